"""Ten threads answering chat messages on one SQLite database, with and without the process's write turn.

Each thread plays one sender at a time (a new resident every 10 questions) and calls `Dialogue.respond` as the web
route does in its worker thread; the HTTP layer is left out, so the figure is the dialogue core's latency under
contention. Runs alternate in fresh processes between `turn` (bot.db.SqliteWriteTurn, the default) and `busy` (the
turn unhooked: writers meet SQLite's busy handler, which sleeps 1, 2, 5 … 100 ms between retries). Each run also
prints how often and how long a transaction's first write waited: for `turn`, for the turn; for `busy`, inside the
statement that begins the transaction (SQLite's busy handler; its first 1 ms of plain work included).

Usage: `python bench/sqlite_writers_bench.py [ROUNDS]` (default 3; THREADS=10, DURATION=5 seconds per run;
NEW_EVERY=10 questions per new resident, 0 for ten known residents per thread, made by the first run).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from serving import QUESTIONS, init, load_average  # noqa: E402

THREADS = int(os.environ.get("THREADS", "10"))
DURATION = float(os.environ.get("DURATION", "5"))
DML = ("INSERT", "UPDATE", "DELETE", "REPLACE")  # the statements pysqlite begins a transaction before
NEW_EVERY = int(os.environ.get("NEW_EVERY", "10"))  # a new resident every N questions; 0: ten known residents a thread


def child(mode: str, db: str, folder: str) -> None:
    """One run in this process: print 'rps p50 p99' (milliseconds)."""
    import bot.db

    if mode == "busy":
        bot.db.SqliteWriteTurn.hook = lambda self, engine: None  # type: ignore[method-assign]
        bot.db.SqliteWriteTurn.take = lambda self, driver: None  # type: ignore[method-assign]
    from bot.config import Settings
    from bot.dialogue import Dialogue, IncomingMessage

    os.environ["WUFEI_CHAT__RATE_PER_MINUTE"] = "0"
    settings = Settings(database_url=db, data_dir=Path(folder))
    dialogue = Dialogue(bot.db.session_factory(db), settings)
    first_writes: list[float] = []  # busy: seconds in each statement that began a transaction
    if mode == "busy":
        from sqlalchemy import event

        started: dict[int, float] = {}

        def before(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if not conn.connection.driver_connection.in_transaction and statement.lstrip()[:7].upper().startswith(DML):
                started[threading.get_ident()] = time.perf_counter()

        def after(*_args: Any) -> None:
            began = started.pop(threading.get_ident(), None)
            if began is not None:
                first_writes.append(time.perf_counter() - began)

        engine = bot.db.get_engine(db)
        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
    for i in range(20):  # warm-up: the knowledge snapshot, jieba, the pool
        dialogue.handle(IncomingMessage("web", f"warm{i}", QUESTIONS[i % len(QUESTIONS)], bot.db.utcnow()))
    latencies: list[float] = []
    stop = time.monotonic() + DURATION
    run = os.urandom(3).hex()

    errors: list[str] = []

    def sender(t: int) -> None:
        n = 0
        while time.monotonic() < stop:
            user = f"{run}-{t}-{n // NEW_EVERY}" if NEW_EVERY else f"known-{t}-{n % 10}"
            message = IncomingMessage("web", user, QUESTIONS[(t + n) % len(QUESTIONS)], bot.db.utcnow())
            started = time.perf_counter()
            outcome, _ = dialogue.respond(message)
            latencies.append(time.perf_counter() - started)
            if outcome == "error":
                errors.append(user)
            n += 1

    threads = [threading.Thread(target=sender, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"{len(errors)} messages failed")
    ordered = sorted(latencies)
    p50, p99 = (1000 * ordered[int(p * len(ordered))] for p in (0.5, 0.99))
    if mode == "busy":
        slow = [w for w in first_writes if w > 0.001]
        waits, waited = len(slow), sum(slow)
    else:
        turn = bot.db.write_turn(db)
        waits, waited = (turn.waits, turn.waited) if turn is not None else (0, 0.0)
    print(f"# {len(latencies)} messages; {waits} waits, {1000 * waited:.0f} ms in all", file=sys.stderr)
    print(f"{len(latencies) / DURATION:.1f} {p50:.1f} {p99:.1f}")


def main() -> None:
    """Alternate the two modes in fresh processes on one database and print the medians."""
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    folder = tempfile.mkdtemp(prefix="wufei-writers-")
    db = f"sqlite:///{folder}/bench.db"
    env = {**os.environ, "WUFEI_DATABASE_URL": db, "WUFEI_DATA_DIR": folder, "WUFEI_LOG_LEVEL": "WARNING"}
    init(env)
    results: dict[str, list[list[float]]] = {"turn": [], "busy": []}
    print(f"# {THREADS} threads, {DURATION:g} s per run, load {load_average()} at the start")
    for _ in range(rounds):
        for mode in results:
            out = subprocess.run(
                [sys.executable, __file__, "--child", mode, db, folder], env=env, check=True, capture_output=True
            )
            waits = [line for line in out.stderr.decode().splitlines() if line.startswith("# ")]
            if not waits:
                raise SystemExit(f"{mode} run failed:\n{out.stderr.decode()[-2000:]}")
            figures = [float(x) for x in out.stdout.decode().split()[-3:]]
            results[mode].append(figures)
            print(
                f"{mode}: {figures[0]:.1f} msg/s, p50 {figures[1]:.1f} ms, p99 {figures[2]:.1f} ms "
                f"({waits[-1][2:]}; load {load_average()})",
                flush=True,
            )
    for mode, runs in results.items():
        rps, p50, p99 = (statistics.median(r[i] for r in runs) for i in range(3))
        print(f"median {mode}: {rps:.1f} msg/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    print(f"# load {load_average()} at the end")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
    else:
        main()
