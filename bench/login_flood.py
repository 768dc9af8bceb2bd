"""Login floods against a real `wufei serve`: chat latency, server memory, the failure count, and who can still log in.

Phase 1: 40 parallel wrong passwords for `admin` from 40 addresses (X-Forwarded-For from 127.0.0.1, which the server
trusts as it trusts nginx) while a resident chats every 50 ms: chat p50/p99/max, peak RSS growth of the server, the
statuses, and `failed_logins` against the number of attempts that reached the password check (401s).
Phase 2: 40 parallel wrong passwords from one address: how many reached argon2.
Phase 3: the real admin, who logged in from this browser before the floods, logs in again; and from a new browser.
Also: the refusal text for an unknown user and for a wrong password.
--src runs another checkout (e.g. `git archive <commit> | tar -x -C DIR`) with this virtualenv.

Usage: python bench/login_flood.py [--src DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.server import free_port, wait_healthy  # noqa: E402

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ERROR = re.compile(r'<div class="msg err" role="alert">([^<]*)</div>')


def rss(pid: int, field: str = "VmRSS") -> int:
    """A /proc/PID/status memory field in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def browser(base: str, address: str) -> tuple[httpx.Client, str]:
    """A client at `address` and the CSRF token of the login form it just fetched."""
    client = httpx.Client(base_url=base, headers={"X-Forwarded-For": address}, timeout=120)
    token = CSRF.search(client.get("/admin/login").text)
    assert token
    return client, token.group(1)


def login(client: httpx.Client, name: str, password: str) -> httpx.Response:
    """Fetch the form and post it."""
    found = CSRF.search(client.get("/admin/login").text)
    assert found
    return client.post("/admin/login", data={"name": name, "password": password, "csrf_token": found.group(1)})


def failed_logins(db: Path) -> int:
    """The admin's failure count as stored."""
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT failed_logins FROM staff_users WHERE name = 'admin'").fetchone()[0])


def flood(base: str, pid: int, addresses: list[str]) -> dict[str, object]:
    """40 parallel wrong passwords from `addresses` while a resident chats; the figures."""
    pairs = [browser(base, a) for a in addresses]
    chat = httpx.Client(base_url=base, timeout=120)
    chat.post("/api/chat", json={"user": "watcher", "text": "电池扔哪里"})
    baseline = rss(pid)
    peak = baseline
    latencies: list[float] = []
    running = threading.Event()
    running.set()

    def watch() -> None:
        nonlocal peak
        while running.is_set():
            peak = max(peak, rss(pid))
            time.sleep(0.01)

    def ask() -> None:
        while running.is_set():
            started = time.perf_counter()
            chat.post("/api/chat", json={"user": "watcher", "text": "旧衣服怎么处理"})
            latencies.append(time.perf_counter() - started)
            time.sleep(0.05)

    def guess(i: int) -> int:
        client, token = pairs[i]
        client.cookies.set("wufei_login_csrf", token, path="/admin")
        return client.post(
            "/admin/login", data={"name": "admin", "password": f"guess-{i}", "csrf_token": token}
        ).status_code

    helpers = [threading.Thread(target=watch), threading.Thread(target=ask)]
    for helper in helpers:
        helper.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(40) as pool:
        statuses = list(pool.map(guess, range(40)))
    seconds = time.perf_counter() - started
    running.clear()
    for helper in helpers:
        helper.join()
    return {
        "seconds": round(seconds, 1),
        "statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))},
        "chat_n": len(latencies),
        "chat_p50_ms": round(statistics.median(latencies) * 1000),
        "chat_p99_ms": round(statistics.quantiles(latencies, n=100, method="inclusive")[98] * 1000),
        "chat_max_ms": round(max(latencies) * 1000),
        "rss_growth_mib": round((peak - baseline) / 2**20),
    }


def main() -> None:
    """Run the phases against the checkout in --src (default: this one) and print JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", type=Path, default=ROOT)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="wufei-login-"))
    db = folder / "login.db"
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(args.src),
        "WUFEI_DATABASE_URL": f"sqlite:///{db}",
        "WUFEI_DATA_DIR": str(folder),
        "WUFEI_PORT": str(port),
        "WUFEI_LOG_LEVEL": "WARNING",
        "WUFEI_CHAT__RATE_PER_MINUTE": "0",
        "WUFEI_CHAT__CLIENT_RATE_PER_MINUTE": "0",
    }
    cli = [sys.executable, "-m", "bot.cli"]
    subprocess.run([*cli, "init"], cwd=args.src, env=env, check=True, capture_output=True)
    created = subprocess.run(
        [*cli, "user", "create", "admin", "--role", "admin", "--json"],
        cwd=args.src,
        env=env,
        check=True,
        capture_output=True,
    )
    password = json.loads(created.stdout)["password"]
    log = folder / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen([*cli, "serve"], cwd=args.src, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    result: dict[str, object] = {"src": str(args.src), "cores": os.cpu_count()}
    try:
        if not wait_healthy(base, timeout=120):
            raise SystemExit(f"server did not start; see {log}")
        office, _ = browser(base, "203.0.113.5")
        result["admin_first_login"] = login(office, "admin", password).status_code
        unknown = login(browser(base, "192.0.2.1")[0], "nobody", "guess")
        wrong = login(browser(base, "192.0.2.2")[0], "admin", "guess")
        result["unknown_user"] = [unknown.status_code, ERROR.findall(unknown.text)]
        result["wrong_password"] = [wrong.status_code, ERROR.findall(wrong.text)]
        before = failed_logins(db)
        result["forty_addresses"] = flood(base, server.pid, [f"10.0.0.{i + 1}" for i in range(40)])
        checked = result["forty_addresses"]["statuses"].get("401", 0)  # type: ignore[index]
        result["forty_addresses"]["failed_logins_added"] = failed_logins(db) - before  # type: ignore[index]
        result["forty_addresses"]["reached_check"] = checked  # type: ignore[index]
        before = failed_logins(db)
        result["one_address"] = flood(base, server.pid, ["198.51.100.9"] * 40)
        result["one_address"]["failed_logins_added"] = failed_logins(db) - before  # type: ignore[index]
        result["admin_new_browser_after_flood"] = login(browser(base, "203.0.113.6")[0], "admin", password).status_code
        result["admin_known_browser_after_flood"] = login(office, "admin", password).status_code
        result["server_peak_rss_mib"] = round(rss(server.pid, "VmHWM") / 2**20)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
