"""Benchmark of the indicators: 1,000,000 completed responses, the three indicators computed by surveys.report.

The responses are of every kind (chat, personal link, web with a code or a pass, open web = 未核验, import) in fixed
shares, so the official-figures filter on `survey_responses.verification` is in the measured query. Each figure is the
median of --runs runs (default 3): the full indicator computation (overall, and with a breakdown by township), one
plain SQL `GROUP BY question_id, value` over the same answers table in the same run (the baseline of the ratio), and a
dashboard view that finds its cached indicators still current (overview.indicators_by_township after the first call),
and the same for the 问卷与指标 page and a workbook download, which share that cache (surveys.report_cache).
The load average is printed before and after, since the machine is shared.
Usage: python bench/indicators_bench.py [--n 1000000] [--runs 3] [--url postgresql+psycopg://…]   (default: SQLite)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bot import migrate  # noqa: E402
from bot.admin import overview  # noqa: E402
from bot.db import get_engine, session_factory, transaction  # noqa: E402
from surveys import report, report_cache, tally  # noqa: E402
from surveys.definition import load_surveys  # noqa: E402

CHUNK = 50_000
# (source, verification, share): what the chat, links and the web form store; 10% open web answers (未核验)
KINDS = (
    ("chat", None, 0.55),
    ("link", None, 0.10),
    ("web", "code", 0.10),
    ("web", "pass", 0.05),
    ("web", "unverified", 0.10),
    ("import", None, 0.10),
)


def load(url: str, n: int, seed: int = 7, *, kinds: bool = False) -> float:
    """Insert n completed responses of the public survey with their indicator answers; returns seconds.

    Without `kinds` every response is an import (what bench/verify_filter_bench.py starts from); with it the
    responses are of every kind in the shares of KINDS.
    """
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
            source, verification = "import", None
            if kinds:
                source, verification, _ = rng.choices(KINDS, weights=[k[2] for k in KINDS])[0]
            responses.append(
                {
                    "id": rid,
                    "survey_id": "public",
                    "version": survey.version,
                    "wave": survey.wave,
                    "source": source,
                    "verification": verification,
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
                    "INSERT INTO survey_responses (id, survey_id, version, wave, source, verification, status, reasks, "
                    "township, age_band, identity, started_at, updated_at, completed_at) VALUES (:id, :survey_id, "
                    ":version, :wave, :source, :verification, :status, :reasks, :township, :age_band, :identity, "
                    ":started_at, :updated_at, :completed_at)"
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


def timed(label: str, func: object, runs: int) -> float:
    """Median wall time of `runs` calls, printed with every run."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    print(f"{label}: median {median:.3f} s ({', '.join(f'{t:.3f}' for t in times)})")
    return median


def load_average() -> str:
    """The 1/5/15-minute load averages of the machine."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--url", default=None)
    parser.add_argument(
        "--per-indicator", action="store_true", help="also time the older one-query-per-indicator shape"
    )
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.url or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    migrate.upgrade(url)
    load(url, args.n, kinds=True)
    factory = session_factory(url)
    survey = load_surveys()["public"]
    results: dict[str, object] = {}

    def indicators() -> None:
        with transaction(factory) as session:
            results["plain"] = report.build(session, survey, wave=survey.wave, with_reach=False)

    def by_township() -> None:
        with transaction(factory) as session:
            results["by"] = report.build(session, survey, wave=survey.wave, by=["township"], with_reach=False)

    def group_by() -> None:
        with get_engine(url).connect() as conn:
            conn.execute(
                text("SELECT question_id, value, COUNT(*) FROM survey_answers GROUP BY question_id, value")
            ).all()

    def per_indicator() -> None:
        with transaction(factory) as session:
            for indicator in survey.indicators:
                tally.tally(session, survey, indicator, wave=survey.wave)

    def dashboard_view() -> None:
        with transaction(factory) as session:
            overview.indicators_by_township(session, survey)

    def page_view() -> None:  # what the 问卷与指标 page asks for: the current wave by township, and the trend
        with transaction(factory) as session:
            report_cache.build(session, survey, wave=survey.wave, by=["township"], with_reach=False, with_trend=True)

    def download_after_page() -> None:  # the workbook: township (the page's, reused), age band and identity
        with transaction(factory) as session:
            report_cache.build(session, survey, wave=survey.wave, by=["township", "age_band", "identity"])

    def version_only() -> None:
        with transaction(factory) as session:
            report_cache.version(session, survey.id)

    print(f"database: {get_engine(url).dialect.name}; load average before: {load_average()}")
    base = timed("one SQL GROUP BY question_id, value over survey_answers", group_by, args.runs)
    plain = timed("three indicators (report.build, official figures, one pass over the answers)", indicators, args.runs)
    by = timed("three indicators + breakdown by township", by_township, args.runs)
    report_cache.clear()
    first = timed("dashboard indicators, first view (computes)", dashboard_view, 1)
    cached = timed("dashboard indicators, later views (answers unchanged: one aggregate, no computation)",
                   dashboard_view, args.runs)  # fmt: skip
    page_first = timed("问卷与指标 page, first view (township breakdown + trend over waves: computes)", page_view, 1)
    page_later = timed("问卷与指标 page, later views (answers unchanged: version check only)", page_view, args.runs)
    download = timed("workbook download after the page (computes age band + identity, reuses township)",
                     download_after_page, 1)  # fmt: skip
    download_again = timed("workbook download again (answers unchanged)", download_after_page, args.runs)
    stamp = timed("the version check alone (count, highest id, latest update)", version_only, args.runs)
    print(f"ratio indicators / GROUP BY: {plain / base:.2f}; with breakdown: {by / base:.2f}")
    print(f"dashboard: later view / first view {cached / first:.3f}")
    print(f"page: later view / first view {page_later / page_first:.3f}; download: again / first "
          f"{download_again / download:.3f}; version check {stamp:.3f} s")  # fmt: skip
    if args.per_indicator:
        separate = timed("for comparison: one query per indicator", per_indicator, args.runs)
        print(f"ratio one query per indicator / one pass: {separate / plain:.2f}")
    data = results["plain"]
    print(f"kinds: {data['kinds']}; counted: {data['counted_kinds']}; official n = {data['n']:,}")  # type: ignore[index]
    for item in data["indicators"]:  # type: ignore[index]
        print(
            f"  {item['name']}: {item['rate']:.4f} [{item['ci_low']:.4f}, {item['ci_high']:.4f}] n={item['denominator']}"
        )
    print(f"load average after: {load_average()}")
    tmp.cleanup()


if __name__ == "__main__":
    main()
