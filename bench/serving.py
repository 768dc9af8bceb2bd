"""What the load benches share: the questions, the quiet settings, a fresh PostgreSQL database, `wufei init`, and
servers started and stopped.

One place for the server start-up that bench/load_bench.py, bench/scaling_bench.py, bench/wechat_bench.py and
bench/processes_bench.py all need (uvicorn with a target, or `wufei serve` itself), each waited for on /healthz.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
BARE_CHAT = ["load_bench:bare_app", "--app-dir", str(ROOT / "bench")]  # the bare FastAPI endpoint of load_bench
APP = ["--factory", "bot.web.app:create_app"]  # the app `wufei serve` runs
COOKIE = "wufei_chat"  # the web chat identity cookie (bot.web.resident.identity.COOKIE)
QUESTIONS = [
    "用过的纸巾扔哪个桶",
    "过期药品是什么垃圾",
    "电池",
    "外卖餐盒怎么扔",
    "快递纸箱",
    "大骨头",
    "奶茶杯",
    "旧衣服",
    "新郑市的无废城市目标是什么",
    "帮助",
]
ITEM_QUESTIONS = QUESTIONS[:8]  # the sorting questions alone
# rate limits off (every sender comes from 127.0.0.1; the benches measure the answer path, not the limiter), no scheduler
QUIET_ENV = {
    "WUFEI_CHAT__RATE_PER_MINUTE": "0",
    "WUFEI_CHAT__CLIENT_RATE_PER_MINUTE": "0",
    "WUFEI_CAMPAIGNS__SCHEDULER": "false",
}


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (the machine is shared: every figure states it)."""
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_pg(server: str, name: str | None = None) -> str:
    """Create database `name` (a random one if None) on the server of `server`, dropping a leftover; its URL."""
    name = name or f"wufei_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_pg(server: str, url_or_name: str) -> None:
    """Drop the database named by `url_or_name` (a URL or a bare name) on the server of `server`."""
    name = make_url(url_or_name).database if "://" in url_or_name else url_or_name
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def init(env: dict[str, str]) -> None:
    """`wufei init` (migrations, bundled knowledge) against env's database."""
    subprocess.run([sys.executable, "-m", "bot.cli", "init"], env=env, cwd=ROOT, check=True, capture_output=True)


def wait_ready(process: subprocess.Popen[bytes], base: str, what: str, timeout: float = 120) -> None:
    """Wait until `base`/healthz answers 200; kill the process and stop the bench if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode} before it was ready")
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{what} did not start")


def start(
    target: list[str], env: dict[str, str], workers: int = 1, port: int | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Start uvicorn with `target` (e.g. APP or BARE_CHAT) in a subprocess and wait for /healthz: (process, base)."""
    port = port or free_port()
    command = [sys.executable, "-m", "uvicorn", *target, "--port", str(port), "--workers", str(workers)]
    command += ["--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_ready(process, base, " ".join(target))
    return process, base


def start_serve(env: dict[str, str], port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """Start `wufei serve --port` itself (scheduler, banner, access log as configured in env): (process, base)."""
    port = port or free_port()
    command = [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_ready(process, base, f"wufei serve --port {port}")
    return process, base


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """Terminate the processes (SIGTERM, then SIGKILL after 30 s)."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
