"""A campaign's figures per local day (issue #14 §3): targeted, skipped by reason, delivered, opened, responses."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db import session_factory, transaction
from bot.web.app import create_app
from campaigns import figures, links, texts
from campaigns.delivery import DeliveryLoop
from campaigns.models import Delivery, TrackedLink
from surveys.models import COMPLETED, SurveyLink, SurveyResponse
from tests.bot.web.admin_api.test_admin_campaigns import console_settings
from tests.campaigns.test_links import BASE, T0, fire
from tests.support.admin import console_login, staff_per_role
from tests.support.campaigns import FakeSender, add_residents


def _campaign_with_a_history(factory: sessionmaker[Session]) -> int:
    """4 targeted on 5 June (Beijing), 1 without consent; 3 delivered; 2 opened on 6 June; 1 survey on 7 June."""
    rids = add_residents(factory, 3, now=T0, channel="telegram")
    add_residents(factory, 1, now=T0, channel="telegram", prefix="n", consent=False)
    cid = fire(factory, ["telegram"], text="无废集市 https://a.cn/x")
    DeliveryLoop(
        factory, {"telegram": FakeSender()}, worker="t", clock=lambda: T0, sleep=lambda s: None, link_base=BASE
    ).drain()
    with transaction(factory) as session:
        tokens = list(session.scalars(select(TrackedLink.token).order_by(TrackedLink.id)))
        assert len(tokens) == 3
    for token, at in (
        (tokens[0], dt.datetime(2026, 6, 5, 16, 30, tzinfo=dt.UTC)),
        (tokens[1], T0 + dt.timedelta(days=1)),
    ):
        with transaction(factory) as session:  # 16:30 UTC is already 6 June in Beijing
            assert links.click(session, token, now=at) == "https://a.cn/x"
    with transaction(factory) as session:
        assert links.click(session, tokens[0], now=T0 + dt.timedelta(days=2)) == "https://a.cn/x"  # second click
        delivery = session.scalars(select(Delivery.id).where(Delivery.state == "sent").order_by(Delivery.id)).first()
        done = T0 + dt.timedelta(days=2)
        response = SurveyResponse(
            survey_id="public", version=1, wave="2026", resident_id=rids[0], source="link", status=COMPLETED,
            started_at=done, updated_at=done, completed_at=done,
        )  # fmt: skip
        session.add(response)
        session.flush()
        session.add(
            SurveyLink(
                token_hash="h", survey_id="public", version=1, wave="2026", resident_id=rids[0], delivery_id=delivery,
                response_id=response.id, created_at=T0, expires_at=T0 + dt.timedelta(days=7), used_at=done,
            )
        )  # fmt: skip
    return cid


def test_daily_figures_count_each_thing_on_its_beijing_day(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = _campaign_with_a_history(factory)
    with transaction(factory) as session:
        days = figures.daily(session, cid, now=T0 + dt.timedelta(days=3))
        assert figures.daily(session, cid + 1, now=T0) == []
    assert [d["day"] for d in days] == ["2026-06-05", "2026-06-06", "2026-06-07", "2026-06-08"]
    first = days[0]
    assert (first["targeted"], first["sent"], first["skipped"], first["clicked"]) == (4, 3, 1, 0)
    [(reason, n)] = first["skip_reasons"].items()
    assert n == 1 and reason != "no_consent" and reason in texts.REASONS.values()
    assert [d["clicked"] for d in days] == [0, 2, 0, 0]  # the second click of a link does not count again
    assert [d["responses"] for d in days] == [0, 0, 1, 0]
    assert [d["targeted"] for d in days[1:]] == [0, 0, 0]
    with transaction(factory) as session:  # long after: the campaign's own days, not empty weeks up to today
        later = figures.daily(session, cid, now=T0 + dt.timedelta(days=100))
    assert [d["day"] for d in later] == ["2026-06-05", "2026-06-06", "2026-06-07"]
    monkeypatch.setattr(figures, "MAX_DAYS", 2)
    with transaction(factory) as session:
        assert [d["day"] for d in figures.daily(session, cid, now=T0 + dt.timedelta(days=3))] == [
            "2026-06-07", "2026-06-08",
        ]  # fmt: skip


def test_campaign_page_shows_the_daily_chart_and_table(settings: Settings) -> None:
    with TestClient(create_app(console_settings(settings))) as client:
        factory = session_factory(settings.db_url)
        cid = _campaign_with_a_history(factory)
        console_login(client, staff_per_role(factory)["viewer"])
        page = client.get(f"/admin/campaigns/{cid}").text
    assert 'id="daily-chart"' in page and page.count('class="col"') >= 1
    table = page.split('id="daily-table"')[1].split("</table>")[0]
    assert '<tr><td class="nowrap">2026-06-05</td><td>4</td><td>1 ' in table
    assert '<td class="nowrap">2026-06-06</td><td>0</td><td>0</td><td>0</td><td>2</td><td>0</td>' in table
    assert "2026-06-07" in table and "2026-06-08" not in table  # days with nothing are left out of the table


def test_admin_api_gives_the_daily_figures(settings: Settings) -> None:
    with TestClient(create_app(console_settings(settings))) as client:
        factory = session_factory(settings.db_url)
        cid = _campaign_with_a_history(factory)
        viewer = staff_per_role(factory)["viewer"].headers
        days = client.get(f"/api/admin/campaigns/{cid}/daily", headers=viewer).json()["days"]
        assert days[0]["day"] == "2026-06-05" and (days[0]["targeted"], days[0]["sent"]) == (4, 3)
        assert sum(d["clicked"] for d in days) == 2 and sum(d["responses"] for d in days) == 1
        assert client.get("/api/admin/campaigns/99999/daily", headers=viewer).status_code == 404
