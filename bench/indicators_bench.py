"""Benchmark of the indicators: 1,000,000 completed responses, the three indicators computed by surveys.report.

Prints the load time, the time of the full indicator computation (overall, and with a breakdown by township),
the ratio to one plain SQL `GROUP BY question_id, value` over the same answers table in the same run, and the
time of the older shape (one query per indicator) for comparison.
Usage: python bench/indicators_bench.py [--n 1000000] [--url postgresql+psycopg://…]   (default: a temporary SQLite)
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bot import migrate  # noqa: E402
from bot.db import get_engine, session_factory, transaction  # noqa: E402
from surveys import report, tally  # noqa: E402
from surveys.definition import load_surveys  # noqa: E402

CHUNK = 50_000


def load(url: str, n: int, seed: int = 7) -> float:
    """Insert n completed responses of the public survey with their indicator answers; returns seconds."""
    survey = load_surveys()["public"]
    rng = random.Random(seed)
    townships = [o.code for o in survey.question("township").options]
    ages = [o.code for o in survey.question("age_band").options]
    publicity = ["trained", "aware", "aware", "aware", "none"]
    actions = ["sorting", "clean_plate", "reuse", "less_plastic", "volunteer"]
    satisfaction = ["satisfied"] * 5 + ["fairly_satisfied"] * 3 + ["neutral", "dissatisfied", "unsure"]
    now = dt.datetime(2026, 6, 5, tzinfo=dt.UTC)
    started = time.perf_counter()
    engine = get_engine(url)
    answer_id = 0
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM survey_answers"))
        conn.execute(text("DELETE FROM survey_responses"))
    for first in range(1, n + 1, CHUNK):
        ids = range(first, min(first + CHUNK, n + 1))
        responses = []
        answers = []
        for rid in ids:
            responses.append(
                {
                    "id": rid,
                    "survey_id": "public",
                    "version": survey.version,
                    "wave": survey.wave,
                    "source": "import",
                    "status": "completed",
                    "reasks": 0,
                    "township": rng.choice(townships),
                    "age_band": rng.choice(ages),
                    "identity": "resident",
                    "started_at": now,
                    "updated_at": now,
                    "completed_at": now,
                }
            )
            chosen = [a for a in actions if rng.random() < 0.3] or (["none"] if rng.random() < 0.3 else ["sorting"])
            for question, values in (
                ("publicity", [rng.choice(publicity)]),
                ("participation", chosen),
                ("satisfaction", [rng.choice(satisfaction)]),
            ):
                for value in values:
                    answer_id += 1
                    answers.append({"id": answer_id, "response_id": rid, "question_id": question, "value": value})
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO survey_responses (id, survey_id, version, wave, source, status, reasks, township, "
                    "age_band, identity, started_at, updated_at, completed_at) VALUES (:id, :survey_id, :version, "
                    ":wave, :source, :status, :reasks, :township, :age_band, :identity, :started_at, :updated_at, "
                    ":completed_at)"
                ),
                responses,
            )
            conn.execute(
                text(
                    "INSERT INTO survey_answers (id, response_id, question_id, value) "
                    "VALUES (:id, :response_id, :question_id, :value)"
                ),
                answers,
            )
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE survey_responses"))
            conn.execute(text("ANALYZE survey_answers"))
        else:
            conn.execute(text("ANALYZE"))
    print(f"loaded {n:,} responses and {answer_id:,} answer rows in {time.perf_counter() - started:.1f} s")
    return time.perf_counter() - started


def timed(label: str, func: object) -> float:
    started = time.perf_counter()
    func()  # type: ignore[operator]
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.2f} s")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.url or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    migrate.upgrade(url)
    load(url, args.n)
    factory = session_factory(url)
    survey = load_surveys()["public"]
    results: dict[str, object] = {}

    def indicators() -> None:
        with transaction(factory) as session:
            results["plain"] = report.build(session, survey, wave=survey.wave)

    def by_township() -> None:
        with transaction(factory) as session:
            results["by"] = report.build(session, survey, wave=survey.wave, by=["township"])

    def group_by() -> None:
        with get_engine(url).connect() as conn:
            conn.execute(
                text("SELECT question_id, value, COUNT(*) FROM survey_answers GROUP BY question_id, value")
            ).all()

    def per_indicator() -> None:
        with transaction(factory) as session:
            for indicator in survey.indicators:
                tally.tally(session, survey, indicator, wave=survey.wave)

    print(f"database: {get_engine(url).dialect.name}")
    base = timed("one SQL GROUP BY question_id, value over survey_answers", group_by)
    plain = timed("three indicators (report.build, one pass over the answers)", indicators)
    by = timed("three indicators + breakdown by township", by_township)
    separate = timed("for comparison: one query per indicator", per_indicator)
    print(f"ratio indicators / GROUP BY: {plain / base:.2f}; with breakdown: {by / base:.2f}")
    print(f"ratio one query per indicator / one pass: {separate / plain:.2f}")
    for item in results["plain"]["indicators"]:  # type: ignore[index]
        print(
            f"  {item['name']}: {item['rate']:.4f} [{item['ci_low']:.4f}, {item['ci_high']:.4f}] n={item['denominator']}"
        )
    tmp.cleanup()


if __name__ == "__main__":
    main()
