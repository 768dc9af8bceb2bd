"""What WUFEI_SQLITE_SYNCHRONOUS=full costs against normal: milliseconds per committed one-row transaction on SQLite (WAL).

Each run opens a fresh database through `bot.db` (the pragmas the app uses), commits 300 single-row INSERTs one
transaction each, and the two modes alternate (normal, full, normal, full …) so load changes hit both. The difference
is the WAL fsync that FULL does at every commit (NORMAL does it at checkpoints). Usage: `python bench/sqlite_synchronous.py [RUNS]`.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bot.db import dispose_engines, get_engine, set_sqlite_synchronous  # noqa: E402

COMMITS = 300


def run(mode: str) -> float:
    """Milliseconds per commit in `mode` on a fresh database."""
    url = f"sqlite:///{tempfile.mkdtemp(prefix='wufei-sync-')}/sync.db"
    set_sqlite_synchronous(url, mode)
    engine = get_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
        assert conn.execute(text("PRAGMA synchronous")).scalar() == {"normal": 1, "full": 2}[mode]
    started = time.perf_counter()
    for _ in range(COMMITS):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": "x" * 200})
    elapsed = time.perf_counter() - started
    dispose_engines()
    return 1000 * elapsed / COMMITS


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    times: dict[str, list[float]] = {"normal": [], "full": []}
    for _ in range(runs):
        for mode in times:
            times[mode].append(run(mode))
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    for mode, values in times.items():
        runs_text = ", ".join(f"{v:.2f}" for v in values)
        print(f"{mode}: {statistics.median(values):.2f} ms per commit (median; runs {runs_text}); load {load}")


if __name__ == "__main__":
    main()
