"""What the official-figures filter (surveys.verification.official, applied in surveys.tally) costs.

Loads N completed responses with bench/indicators_bench.py's loader, marks a tenth of them as unverified web answers,
and times the three indicators with the filter (the default) and without it (`count_unverified: true`), best of 3.
Usage: python bench/verify_filter_bench.py [--n 200000] [--url postgresql+psycopg://…]   (default: a temporary SQLite)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from indicators_bench import load  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bot import migrate  # noqa: E402
from bot.db import get_engine, session_factory, transaction  # noqa: E402
from surveys import report  # noqa: E402
from surveys.definition import load_surveys  # noqa: E402


def best(func: object, runs: int = 3) -> float:
    """Best wall time of `runs` calls, in seconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    migrate.upgrade(url)
    loaded = load(url, args.n)
    with get_engine(url).begin() as conn:
        conn.execute(text("UPDATE survey_responses SET source = 'web', verification = 'unverified' WHERE id % 10 = 0"))
    survey = load_surveys()["public"]
    factory = session_factory(url)
    results = {}
    for name, chosen in (("filtered (default)", survey), ("unfiltered", replace(survey, count_unverified=True))):

        def run(chosen: object = chosen, name: str = name) -> None:
            with transaction(factory) as session:
                results[name] = report.overall(session, chosen, wave=survey.wave)  # type: ignore[arg-type]

        print(f"{name}: {best(run):.2f} s; answers counted = {results[name][0].answered}")
    print(f"loaded {args.n} responses in {loaded:.1f} s ({get_engine(url).dialect.name})")


if __name__ == "__main__":
    main()
