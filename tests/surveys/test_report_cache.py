"""The shared cache of indicator reports: computed once per version of the responses, recomputed after any change
(also one made by another process), the same figures as a direct computation, and apart per questionnaire setting."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db import transaction
from surveys import flow, report, report_cache
from surveys.definition import load_surveys
from surveys.models import SurveyResponse
from surveys.weights import load_population
from tests.support.report_calls import count_report_calls

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 12, 5, 2, 0, tzinfo=dt.UTC)
PUBLIC = load_surveys(now=NOW)["public"]
YES = {"publicity": ["trained"], "participation": ["sorting"], "satisfaction": ["satisfied"]}
NO = {"publicity": ["none"], "participation": ["none"], "satisfaction": ["dissatisfied"]}
WHO = [
    {"township": ["xz_hezhuang"], "age_band": ["a30_44"], "identity": ["resident"]},
    {"township": ["xm_qingping"], "age_band": ["a18_29"], "identity": ["student"]},
    {"township": ["xz_hezhuang"], "age_band": ["a45_59"], "identity": ["resident"]},
]


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the computations run (report.build, report.trend), counted from an empty cache."""
    return count_report_calls(monkeypatch)


def add(factory: sessionmaker[Session], *answers: dict[str, list[str]], source: str = "import", **kw: Any) -> None:
    with transaction(factory) as session:
        for i, given in enumerate(answers):
            flow.submit(session, PUBLIC, {**given, **WHO[i % len(WHO)]}, key=None, resident_id=None, channel=None,
                        source=source, now=NOW, **kw)  # fmt: skip


def publicity(data: dict[str, Any]) -> tuple[int, int]:
    item = next(i for i in data["indicators"] if i["key"] == "publicity")
    return item["numerator"], item["denominator"]


def test_unchanged_answers_compute_once_and_a_new_one_changes_the_figure(
    factory: sessionmaker[Session], computed: list[str]
) -> None:
    add(factory, YES, NO)
    for _ in range(3):
        with transaction(factory) as session:
            data = report_cache.build(session, PUBLIC, wave=PUBLIC.wave, by=["township"], with_trend=True)
    assert computed == ["build", "trend"] and publicity(data) == (1, 2) and data["n"] == 2
    add(factory, YES)
    with transaction(factory) as session:
        data = report_cache.build(session, PUBLIC, wave=PUBLIC.wave, by=["township"], with_trend=True)
    assert publicity(data) == (2, 3) and data["trend"][-1]["n"] == 3
    assert computed == ["build", "trend", "build", "trend"]


def test_a_download_by_three_dimensions_reuses_the_pages_township_part(
    factory: sessionmaker[Session], computed: list[str]
) -> None:
    add(factory, YES, NO, YES)
    with transaction(factory) as session:
        report_cache.build(session, PUBLIC, wave=PUBLIC.wave, by=["township"])
        assert computed == ["build"]
        report_cache.build(session, PUBLIC, wave=PUBLIC.wave, by=["township", "age_band", "identity"])
    assert computed == ["build"] * 3  # age band and identity computed, township reused


@pytest.mark.parametrize(
    "by", [[], ["township"], ["township", "age_band", "identity"], ["cell_type", "township"], ["identity", "wave"]]
)
def test_the_cached_report_is_the_report(factory: sessionmaker[Session], by: list[str]) -> None:
    add(factory, YES, NO, YES, NO, NO)
    add(factory, YES, wave="2025")
    report_cache.clear()
    with transaction(factory) as session:
        for wave in (PUBLIC.wave, None):
            direct = report.build(session, PUBLIC, wave=wave, by=by, with_trend=True)
            assert report_cache.build(session, PUBLIC, wave=wave, by=by, with_trend=True) == direct
            assert report_cache.build(session, PUBLIC, wave=wave, by=by, with_trend=True) == direct  # from the cache


def test_weighted_figures_are_kept_apart_from_unweighted(
    factory: sessionmaker[Session], computed: list[str], tmp_path: Path
) -> None:
    add(factory, YES, NO, NO)
    population = tmp_path / "population.csv"
    population.write_text("township,population\n新郑·和庄镇,1000\n新密·青屏街道,9000\n", encoding="utf-8")
    weights = load_population(PUBLIC, population)
    with transaction(factory) as session:
        plain = report_cache.build(session, PUBLIC, wave=PUBLIC.wave)
        weighted = report_cache.build(session, PUBLIC, wave=PUBLIC.wave, weights=weights, weights_source="p.csv")
        again = report_cache.build(session, PUBLIC, wave=PUBLIC.wave, weights=weights, weights_source="p.csv")
        direct = report.build(session, PUBLIC, wave=PUBLIC.wave, weights=weights, weights_source="p.csv")
    assert plain["weighting"] is None and weighted["weighting"] is not None
    assert weighted == again == {**direct, "reach": weighted["reach"]}
    assert computed == ["build", "build", "build"]  # plain, weighted, then the direct one; `again` was kept


def test_counting_open_web_answers_is_another_figure(factory: sessionmaker[Session], computed: list[str]) -> None:
    add(factory, YES, YES)
    add(factory, NO, NO, source="web", verification="unverified")
    counting_all = dataclasses.replace(PUBLIC, count_unverified=True)
    with transaction(factory) as session:
        official = report_cache.build(session, PUBLIC, wave=PUBLIC.wave)
        everything = report_cache.build(session, counting_all, wave=PUBLIC.wave)
    assert publicity(official) == (2, 2) and publicity(everything) == (2, 4)


def test_a_deleted_or_reopened_response_changes_the_figure(factory: sessionmaker[Session], computed: list[str]) -> None:
    add(factory, YES, NO, YES)
    with transaction(factory) as session:
        assert publicity(report_cache.build(session, PUBLIC, wave=PUBLIC.wave)) == (2, 3)
    with transaction(factory) as session:
        first, second, _ = session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)).all()
        session.delete(first)  # e.g. two residents merged: the later of two answers dropped
    with transaction(factory) as session:
        assert publicity(report_cache.build(session, PUBLIC, wave=PUBLIC.wave)) == (1, 2)
    with transaction(factory) as session:
        flow.resume(session, PUBLIC, session.get(SurveyResponse, second.id), NOW + dt.timedelta(minutes=1))
    with transaction(factory) as session:
        assert publicity(report_cache.build(session, PUBLIC, wave=PUBLIC.wave)) == (1, 1)
    assert computed == ["build"] * 3


def test_an_answer_stored_by_another_process_is_seen(
    factory: sessionmaker[Session], computed: list[str], settings: Settings
) -> None:
    add(factory, NO)
    with transaction(factory) as session:
        assert publicity(report_cache.build(session, PUBLIC, wave=PUBLIC.wave)) == (0, 1)
    script = textwrap.dedent(f"""
        import datetime as dt
        import campaigns.models  # residents, which responses refer to
        from bot.db import session_factory, transaction
        from surveys import flow
        from surveys.definition import load_surveys
        now = dt.datetime.fromisoformat({NOW.isoformat()!r})
        survey = load_surveys(now=now)["public"]
        with transaction(session_factory({settings.db_url!r})) as session:
            flow.submit(session, survey, {YES!r}, key=None, resident_id=None, channel=None, source="import", now=now)
    """)
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=120)
    with transaction(factory) as session:
        assert publicity(report_cache.build(session, PUBLIC, wave=PUBLIC.wave)) == (1, 2)
    assert computed == ["build", "build"]


def test_concurrent_views_of_the_same_figures_compute_once(
    factory: sessionmaker[Session], computed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    add(factory, YES, NO)
    counting = report.build  # the fixture's counter

    def slow(*args: Any, **kwargs: Any) -> dict[str, Any]:
        time.sleep(0.3)  # long enough for the other views to arrive while this one computes
        return counting(*args, **kwargs)

    monkeypatch.setattr(report, "build", slow)
    results: list[tuple[int, int]] = []

    def view() -> None:
        with transaction(factory) as session:
            results.append(publicity(report_cache.build(session, PUBLIC, wave=PUBLIC.wave, by=["township"])))

    threads = [threading.Thread(target=view) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [(1, 2)] * 4 and computed == ["build"]
