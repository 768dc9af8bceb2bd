"""The dashboard's figures: questions and pushes per Beijing day, and indicators recomputed only when answers change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from bot.admin import overview
from bot.config import Settings
from bot.db import dispose_engines, session_factory, transaction
from bot.models import ChatLog
from bot.web.app import create_app
from surveys import flow, report, report_cache
from surveys.definition import load_surveys
from tests.support.admin import Staff, console_login, staff_per_role

NOW = dt.datetime(2026, 12, 4, 17, 0, tzinfo=dt.UTC)  # 01:00 on 5 December in Beijing
PUBLIC = load_surveys()["public"]


def _log(session: Session, at: dt.datetime, intent: str) -> None:
    session.add(ChatLog(resident_id=None, channel="web", text="电池扔哪", intent=intent, confidence=1.0, created_at=at))


def test_questions_per_day_follow_beijing_midnight(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        _log(session, NOW, "sorting")  # 5 Dec, 01:00 Beijing
        _log(session, NOW - dt.timedelta(hours=2), "unknown")  # 4 Dec, 23:00 Beijing (still 4 Dec in UTC too)
        _log(session, NOW - dt.timedelta(hours=1, minutes=30), "sorting")  # 4 Dec, 23:30 Beijing
        _log(session, NOW - dt.timedelta(days=20), "sorting")  # outside the two weeks
        session.flush()
        days = overview.daily_questions(session, now=NOW, tz="Asia/Shanghai")
    assert len(days) == overview.DAYS and days[-1]["day"] == "2026-12-05" and days[0]["day"] == "2026-11-22"
    assert days[-1] == {"day": "2026-12-05", "total": 1, "unanswered": 0}
    assert days[-2] == {"day": "2026-12-04", "total": 2, "unanswered": 1}
    assert sum(d["total"] for d in days) == 3


def test_dashboard_indicators_are_recomputed_only_when_answers_change(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = report.build

    def counting(*args: object, **kwargs: object) -> dict[str, object]:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(report, "build", counting)
    report_cache.clear()
    answers = {"publicity": ["aware"], "participation": ["sorting"], "satisfaction": ["satisfied"],
               "township": ["xz_hezhuang"], "age_band": ["a30_44"], "identity": ["resident"]}  # fmt: skip
    with transaction(factory) as session:
        flow.submit(session, PUBLIC, answers, key=None, resident_id=None, channel=None, source="import", now=NOW)
    for _ in range(3):
        with transaction(factory) as session:
            data = overview.indicators_by_township(session, PUBLIC)
    assert len(calls) == 1 and data["n"] == 1 and "新郑·和庄镇" in data["breakdown"]["township"]
    with transaction(factory) as session:
        flow.submit(session, PUBLIC, answers, key=None, resident_id=None, channel=None, source="import", now=NOW)
    with transaction(factory) as session:
        assert overview.indicators_by_township(session, PUBLIC)["n"] == 2
    assert len(calls) == 2


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    report_cache.clear()
    with TestClient(create_app(settings)) as c:
        yield c
    dispose_engines()


def test_the_overview_page_draws_days_reach_unanswered_and_townships(client: TestClient, settings: Settings) -> None:
    staff: dict[str, Staff] = staff_per_role(session_factory(settings.db_url))
    client.post("/api/chat", json={"text": "电池扔哪"})
    client.post("/api/chat", json={"text": "嘎拉哈扔哪个桶"})
    answers = {"publicity": ["aware"], "participation": ["sorting"], "satisfaction": ["satisfied"],
               "township": ["xm_qingping"], "age_band": ["a30_44"], "identity": ["resident"]}  # fmt: skip
    with transaction(session_factory(settings.db_url)) as session:
        flow.submit(session, PUBLIC, answers, key=None, resident_id=None, channel=None, source="import", now=NOW)
    console_login(client, staff["viewer"])
    page = client.get("/admin").text
    assert 'id="daily-questions"' in page and 'id="daily-reach"' in page
    today = page.split('id="daily-questions"')[1].split("</div></div>")[0]
    assert "提问 2" in today  # both questions today, drawn as a column
    assert "新密·青屏街道" in page.split('id="townships"')[1].split("</table>")[0]
    assert "95% 置信区间" in page


def test_two_dashboard_views_compute_the_indicators_once(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = report.build

    def counting(*args: object, **kwargs: object) -> dict[str, object]:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(report, "build", counting)
    factory = session_factory(settings.db_url)
    answers = {"publicity": ["aware"], "participation": ["sorting"], "satisfaction": ["satisfied"],
               "township": ["xz_hezhuang"], "age_band": ["a30_44"], "identity": ["resident"]}  # fmt: skip
    with transaction(factory) as session:
        flow.submit(session, PUBLIC, answers, key=None, resident_id=None, channel=None, source="import", now=NOW)
    console_login(client, staff_per_role(factory)["viewer"])  # the login lands on the dashboard: first view
    assert "共 1 份答卷" in client.get("/admin").text  # second view
    assert len(calls) == 1
    with transaction(factory) as session:
        flow.submit(session, PUBLIC, answers, key=None, resident_id=None, channel=None, source="import", now=NOW)
    assert "共 2 份答卷" in client.get("/admin").text  # a new answer: computed again, once
    assert "共 2 份答卷" in client.get("/admin").text
    assert len(calls) == 2
