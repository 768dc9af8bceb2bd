"""CPU of the uvicorn server process per `/api/chat` message, the app against the bare endpoint, one sender.

The load benches divide requests a second, which the other processes of a shared machine move by 2× between runs;
this divides the server process's own CPU time (user + system of all its threads, from /proc/PID/stat) by the
messages it answered, which moves far less. Same conversation as bench/load_bench.py (its ten questions in turn, a
new resident every ten messages), rate limits and scheduler off, SQLite unless `DB=` names a database URL.

Usage: `python bench/server_cpu.py [N] [ROUNDS]` (default 1,000 messages, 3 rounds; app and bare alternate).
Prints each round's ms of server CPU per message (app / bare), their medians and the ratio's median.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import uuid
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
from serving import APP, BARE_CHAT, COOKIE, QUESTIONS, QUIET_ENV, init, load_average, start, stop  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of process `pid` (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


async def converse(base: str, n: int, tag: str) -> None:
    """n messages one after another, as load_bench's single sender sends them."""
    identities: dict[str, str] = {}
    no_jar = CookieJar(DefaultCookiePolicy(allowed_domains=[]))
    async with httpx.AsyncClient(base_url=base, timeout=60, cookies=no_jar) as client:
        for k in range(n):
            user = f"{tag}-{k // 10}"
            headers = {"cookie": f"{COOKIE}={identities[user]}"} if user in identities else {}
            response = await client.post("/api/chat", json={"text": QUESTIONS[k % len(QUESTIONS)]}, headers=headers)
            assert response.status_code == 200, response.text
            if response.cookies.get(COOKIE):
                identities[user] = response.cookies[COOKIE]


def per_message(pid: int, base: str, n: int) -> float:
    """Milliseconds of the server's CPU per message over n messages."""
    before = cpu_seconds(pid)
    asyncio.run(converse(base, n, uuid.uuid4().hex[:6]))
    return 1000 * (cpu_seconds(pid) - before) / n


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    folder = Path(tempfile.mkdtemp(prefix="wufei-cpu-"))
    db = os.environ.get("DB") or f"sqlite:///{folder / 'bench.db'}"
    env = {**os.environ, "WUFEI_DATABASE_URL": db, "WUFEI_DATA_DIR": str(folder), "WUFEI_LOG_LEVEL": "WARNING"}
    env.update(QUIET_ENV)
    init(env)
    app, app_base = start(APP, env)
    bare, bare_base = start(BARE_CHAT, env)
    try:
        for base in (app_base, bare_base):  # snapshot, pool, first contacts
            asyncio.run(converse(base, 300, "warm"))
        runs = [(per_message(app.pid, app_base, n), per_message(bare.pid, bare_base, n)) for _ in range(rounds)]
    finally:
        stop([app, bare])
    print(" ".join(f"{a:.2f}/{b:.2f}" for a, b in runs), "ms server CPU per message (app/bare)")
    print(
        f"median app {statistics.median(a for a, _ in runs):.2f} ms, bare {statistics.median(b for _, b in runs):.2f}"
        f" ms, app ÷ bare {statistics.median(a / b for a, b in runs):.2f}× ({n} messages × {rounds} rounds, "
        f"{db.split(':')[0]}, load {load_average()})"
    )


if __name__ == "__main__":
    main()
