"""Fault: SQLite locked longer than the busy timeout, and the disk full; then PRAGMA integrity_check.

1. Write lock: another connection holds BEGIN IMMEDIATE for 8 s (busy_timeout is 5 s) while residents chat over
   /api/chat and the page polls /api/chat/inbox; `wufei kb reload` (a writer) runs meanwhile. (In WAL mode readers
   are never blocked by a writer, so this is the lock a real deployment can meet: a backup, a migration, a script.)
2. Disk full: `wufei serve` and `wufei kb reload` run with RLIMIT_FSIZE (SIGXFSZ ignored, so writes fail with
   EFBIG as on a full disk) a little above the database's size; residents chat until writes fail.
Each time: what the client saw, whether everything acknowledged is stored, and integrity_check afterwards.
Usage: python bench/faults/sqlite_faults.py
"""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import faultkit
import httpx
from sqlalchemy import func, select

from bot import texts
from bot.db import dispose_engine, session_factory, transaction
from bot.models import ChatLog
from bot.web.resident.identity import COOKIE

HOLD = 8.0
# the clients send faster than a resident (or one address) may
NO_RATE_LIMIT = {"WUFEI_CHAT__RATE_PER_MINUTE": "0", "WUFEI_CHAT__CLIENT_RATE_PER_MINUTE": "0"}


class Client:
    """Chat and inbox requests in a thread, with what came back."""

    def __init__(self, base: str, prefix: str) -> None:
        self.base = base
        self.prefix = prefix
        self.ids: set[str] = set()  # the web identities the server issued this client (its cookie jar keeps one)
        self.seen: Counter[str] = Counter()
        self.acked = 0
        self.slowest = 0.0
        self.stop = threading.Event()
        self.n = 0

    def classify(self, r: httpx.Response) -> tuple[str, bool]:
        """A short label of a response; True when a chat message was acknowledged."""
        if r.status_code == 200 and r.request.url.path == "/api/chat":
            replies = [x["text"] for x in r.json()["replies"]]
            if texts.INTERNAL_ERROR in replies:
                return "chat 200 polite error", False
            return "chat 200 ok", True
        head = r.text[:70] if r.status_code != 200 else ""
        return f"{r.request.url.path} {r.status_code} {head}".strip(), False

    def once(self, client: httpx.Client, *, big: bool = False) -> None:
        """One question (a unique long one when `big`, to grow the database) and one inbox poll."""
        self.n += 1
        text = f"第{self.n}个问题：" + ("这个东西扔哪里" * 60 if big else "电池扔哪个桶")
        for method, path, kw in (
            ("POST", "/api/chat", {"json": {"text": text[:1900]}}),
            ("GET", "/api/chat/inbox", {}),
        ):
            t0 = time.monotonic()
            try:
                label, ack = self.classify(client.request(method, self.base + path, timeout=20, **kw))
            except httpx.HTTPError as exc:
                label, ack = f"{path} {type(exc).__name__}", False
            self.slowest = max(self.slowest, time.monotonic() - t0)
            if client.cookies.get(COOKIE):
                self.ids.add(client.cookies[COOKIE].split(".")[0])
            self.seen[label] += 1
            self.acked += ack

    def run(self, *, big: bool = False) -> None:
        """Until stopped."""
        with httpx.Client() as client:
            while not self.stop.is_set():
                self.once(client, big=big)
                time.sleep(0.1)


def cli(url: str, data: Path, *args: str, preexec: Callable[[], None] | None = None) -> tuple[int, str, float]:
    """Run `wufei ARGS`; (exit status, last line of stderr, seconds)."""
    env = {**os.environ, "WUFEI_DATABASE_URL": url, "WUFEI_DATA_DIR": str(data), "WUFEI_LOG_LEVEL": "WARNING"}
    t0 = time.monotonic()
    p = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=faultkit.ROOT,
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=preexec,
        timeout=120,
    )
    lines = (p.stderr.strip() or p.stdout.strip()).splitlines()
    return p.returncode, lines[-1] if lines else "", time.monotonic() - t0


def integrity(path: Path) -> str:
    """PRAGMA integrity_check of the file."""
    with sqlite3.connect(path) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def logged(url: str, ids: set[str]) -> int:
    """Chat log rows of the residents with these web ids."""
    from campaigns.models import ChannelIdentity

    with transaction(session_factory(url)) as session:
        n = session.execute(
            select(func.count())
            .select_from(ChatLog)
            .join(ChannelIdentity, ChannelIdentity.resident_id == ChatLog.resident_id)
            .where(ChannelIdentity.external_id.in_(ids))
        ).scalar_one()
    dispose_engine(url)
    return int(n)


def hold_lock(path: Path, *, seconds: float, ready: threading.Event) -> None:
    """Another process's long write transaction (here: another connection in this process, same effect)."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("CREATE TABLE IF NOT EXISTS fault_probe (x INTEGER)")
    conn.execute("INSERT INTO fault_probe VALUES (1)")
    ready.set()
    time.sleep(seconds)
    conn.execute("ROLLBACK")
    conn.close()


def lock_case(url: str, data: Path) -> bool:
    """Hold the lock for HOLD seconds under traffic; True when it ended cleanly."""
    name = "write lock (BEGIN IMMEDIATE)"
    db = data / "wufei.db"
    server = faultkit.Server(url, data, env=NO_RATE_LIMIT)
    server.start()
    client = Client(server.base, "l")
    with httpx.Client() as c:
        client.once(c)  # warm
    client.seen.clear()
    ready = threading.Event()
    holder = threading.Thread(target=hold_lock, args=(db,), kwargs={"seconds": HOLD, "ready": ready})
    holder.start()
    ready.wait(10)
    worker = threading.Thread(target=client.run)
    worker.start()
    status, line, took = cli(url, data, "kb", "reload")
    health = httpx.get(server.base + "/healthz", timeout=20)
    holder.join()
    during = dict(client.seen)
    client.seen.clear()
    time.sleep(3)
    client.stop.set()
    worker.join()
    after = dict(client.seen)
    server.stop()
    stored = logged(url, client.ids)
    check = integrity(db)
    print(f"[{name}] held {HOLD:.0f} s (busy_timeout 5 s); during: {during}")
    print(f"  /healthz during: {health.status_code} {health.text[:80]}; slowest request {client.slowest:.1f} s")
    print(f"  wufei kb reload during: exit {status} after {took:.1f} s: {line[:160]}")
    print(f"  after release: {after}")
    print(f"  acknowledged chat messages {client.acked}, in the chat log {stored}; integrity_check: {check}")
    raw = [k for k in {**during, **after} if " 500" in k]
    return check == "ok" and stored >= client.acked and not raw and any("ok" in k for k in after)


def limit_files(limit: int) -> Callable[[], None]:
    """preexec: files may not grow past `limit` bytes; SIGXFSZ ignored so the write fails instead of killing us."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def disk_full_case(url: str, data: Path) -> bool:
    """Run with a file-size limit until writes fail; True when the failure was clean and the file is intact."""
    db = data / "wufei.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = db.stat().st_size
    limit = size + 256 * 1024
    (data / "serve.log").write_text("")
    server = faultkit.Server(url, data, env=NO_RATE_LIMIT, preexec=limit_files(limit))
    server.start()
    client = Client(server.base, "f")
    worker = threading.Thread(target=client.run, kwargs={"big": True})
    worker.start()
    full = faultkit.wait_for(lambda: client.seen["chat 200 polite error"] >= 5, timeout=120, every=0.5)
    time.sleep(2)
    status, line, took = cli(url, data, "kb", "reload", preexec=limit_files(limit))
    health = httpx.get(server.base + "/healthz", timeout=20)
    client.stop.set()
    worker.join()
    server.stop()
    seen = dict(client.seen)
    log = (data / "serve.log").read_text(errors="replace")
    reasons = sorted({ln.split("OperationalError) ")[-1][:60] for ln in log.splitlines() if "OperationalError)" in ln})
    check = integrity(db)
    stored = logged(url, client.ids)
    server = faultkit.Server(url, data)  # the disk has room again
    server.start()
    again = httpx.post(server.base + "/api/chat", json={"text": "电池扔哪个桶"}, timeout=20)
    server.stop()
    print(f"[disk full] RLIMIT_FSIZE {limit // 1024} KiB (database {size // 1024} KiB); writes failed: {full}")
    print(f"  client saw: {seen}; slowest {client.slowest:.1f} s")
    print(f"  /healthz while full: {health.status_code} {health.text[:80]}; server log reasons: {reasons[:3]}")
    print(f"  wufei kb reload while full: exit {status} after {took:.1f} s: {line[:160]}")
    print(f"  acknowledged {client.acked}, in the chat log {stored}; integrity_check: {check};"
          f" after room is made: chat {again.status_code} {again.json()['replies'][0]['text'][:30]}")  # fmt: skip
    raw = [k for k in seen if " 500" in k]
    return full and check == "ok" and stored >= client.acked and not raw and again.status_code == 200 and status != 0


def main() -> int:
    """Both cases on one SQLite database."""
    results = {}
    with faultkit.sqlite_database() as (url, data):
        results["write lock"] = lock_case(url, data)
        results["disk full"] = disk_full_case(url, data)
    return faultkit.verdict(
        all(results.values()),
        "SQLite "
        + ", ".join(f"{k}: {'clean' if v else 'NOT clean'}" for k, v in results.items())
        + " (integrity_check ok, acknowledged messages kept, no raw 500)",
    )


if __name__ == "__main__":
    raise SystemExit(main())
