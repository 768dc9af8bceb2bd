"""Personal survey links: a campaign push carries a working /s/<token> link; one response per resident and wave
across chat and web; used, expired and forged links get a Chinese page with a 4xx."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.web_outbox import WebOutboxSender
from bot.config import CampaignSettings, Settings, SurveySettings
from bot.db import dispose_engines, transaction, utcnow
from bot.dialogue import Dialogue, IncomingMessage
from bot.scheduler import install_survey_links
from bot.web.app import create_app
from campaigns import content, lifecycle, runs
from campaigns.delivery import DeliveryLoop
from campaigns.models import Delivery, WebOutbox
from surveys import links
from surveys.definition import load_surveys
from surveys.flow import answers_of
from surveys.keys import resolve_salt
from surveys.models import COMPLETED, SurveyLink, SurveyResponse
from tests.support.campaigns import Clock, add_residents

PUBLIC = load_surveys()["public"]
BASE = "https://wufei.example.cn"
FORM = {
    "publicity": "aware",
    "participation": ["sorting", "reuse"],
    "satisfaction": "satisfied",
    "township": "xz_hezhuang",
    "age_band": "a45_59",
    "identity": "resident",
}
LINK = re.compile(r"https://wufei\.example\.cn(/s/[A-Za-z0-9_.-]+)")


@pytest.fixture
def quiet(settings: Settings) -> Settings:
    """The test database, links with a public address, and no background scheduler racing the test."""
    return settings.model_copy(
        update={
            "surveys": SurveySettings(base_url=BASE, salt="test-salt"),
            "campaigns": CampaignSettings(scheduler=False),
        }
    )


@pytest.fixture
def client(quiet: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(quiet)) as c:
        yield c
    content.PER_DELIVERY.clear()
    dispose_engines()


def push(factory: sessionmaker[Session], settings: Settings, n: int, now: dt.datetime) -> list[str]:
    """Run a campaign whose text has {问卷链接} to n web residents; the texts they received."""
    add_residents(factory, n, now=now)
    install_survey_links(settings)
    with transaction(factory) as session:
        campaign = lifecycle.create(session, name="满意度调查", text="请花1分钟填写问卷：{问卷链接}", now=now)
        lifecycle.start(session, campaign, now=now, quiet=None, grace=dt.timedelta(hours=2))
    with transaction(factory) as session:
        runs.tick(session, now=now, quiet=None, grace=dt.timedelta(hours=2), channels_available=["web"])
    loop = DeliveryLoop(factory, {"web": WebOutboxSender(factory)}, worker="t", clock=Clock(now), sleep=lambda s: None)
    loop.drain()
    with transaction(factory) as session:
        return list(session.execute(select(WebOutbox.text).order_by(WebOutbox.id)).scalars())


def path_of(text: str) -> str:
    found = LINK.search(text)
    assert found is not None, text
    return found.group(1)


def test_a_campaign_push_carries_a_working_personal_link(
    client: TestClient, quiet: Settings, factory: sessionmaker[Session]
) -> None:
    texts = push(factory, quiet, 2, utcnow())
    assert len(texts) == 2 and all(t.startswith("请花1分钟填写问卷：https://wufei.example.cn/s/") for t in texts)
    first, second = (path_of(t) for t in texts)
    assert first != second  # one link per recipient
    page = client.get(first)
    assert page.status_code == 200 and 'name="satisfaction"' in page.text and f'action="{first}"' in page.text
    done = client.post(first, data=FORM)
    assert done.status_code == 200 and "提交成功" in done.text
    with transaction(factory) as session:
        response = session.execute(select(SurveyResponse)).scalar_one()
        link = session.execute(select(SurveyLink).where(SurveyLink.response_id == response.id)).scalar_one()
        delivery = session.get(Delivery, link.delivery_id)
        assert delivery is not None and response.resident_id == delivery.resident_id == link.resident_id
        assert (response.status, response.source, response.wave) == (COMPLETED, "link", PUBLIC.wave)
        assert answers_of(session, response)["participation"] == ["sorting", "reuse"]
        assert link.expires_at == delivery.created_at + dt.timedelta(days=30)
        assert len(link.token_hash) == 64 and first.rsplit("/", 1)[1] not in link.token_hash
    used = client.get(first)
    assert used.status_code == 409 and "已经用过" in used.text
    assert client.post(first, data=FORM).status_code == 409
    assert client.get(second).status_code == 200  # the other resident's link is untouched


def test_a_resend_of_the_same_delivery_renders_the_same_link(quiet: Settings, factory: sessionmaker[Session]) -> None:
    install_survey_links(quiet)
    try:
        profile = {"township": None, "city": None, "community": None, "delivery_id": "41"}
        once = content.render("{问卷链接}", link=None, variants={}, channel="web", profile=profile)
        again = content.render("{问卷链接}", link=None, variants={}, channel="web", profile=profile)
        other = content.render(
            "{问卷链接}", link=None, variants={}, channel="web", profile={**profile, "delivery_id": "42"}
        )
        assert once == again != other and once.startswith(BASE + "/s/d41.")
        assert "回复“问卷”" in content.render("{问卷链接}", link=None, variants={}, channel="web", profile={})
    finally:
        content.PER_DELIVERY.clear()
    content.check("填写问卷：{问卷链接}")  # staff may use the placeholder


def test_forged_unknown_and_expired_links_are_refused_in_chinese(
    client: TestClient, quiet: Settings, factory: sessionmaker[Session]
) -> None:
    long_ago = utcnow() - dt.timedelta(days=31)
    (text,) = push(factory, quiet, 1, long_ago)
    expired = client.get(path_of(text))
    assert expired.status_code == 410 and "已过期" in expired.text
    assert client.post(path_of(text), data=FORM).status_code == 410
    forged = path_of(text)[:-12] + "AAAAAAAAAAAA"
    assert client.get(forged).status_code == 404
    wrong_salt = links.delivery_token("another-salt", 1, "public")
    for bad in (f"/s/{wrong_salt}", "/s/nothing-here", "/s/" + "x" * 200):
        refused = client.get(bad)
        assert refused.status_code == 404 and "链接无效" in refused.text
    with transaction(factory) as session:
        assert session.execute(select(SurveyResponse)).first() is None


def test_chat_and_link_share_one_response_per_resident_and_wave(
    client: TestClient, quiet: Settings, factory: sessionmaker[Session]
) -> None:
    now = utcnow()
    (text,) = push(factory, quiet, 1, now)
    dialogue = Dialogue(factory, quiet)
    # the same resident (web identity u0) starts in chat, answers two questions, and pauses
    for i, said in enumerate(["问卷", "2", "1"]):
        dialogue.handle(IncomingMessage("web", "u0", said, now + dt.timedelta(seconds=i)))
    assert client.post(path_of(text), data=FORM).status_code == 200  # the web form completes that response
    with transaction(factory) as session:
        (response,) = session.execute(select(SurveyResponse)).scalars().all()
        assert response.status == COMPLETED and answers_of(session, response)["satisfaction"] == ["satisfied"]
    again = dialogue.handle(IncomingMessage("web", "u0", "问卷", now + dt.timedelta(minutes=5)))
    assert any("已经填过" in r.text for r in again)


def test_an_issued_link_works_once_and_stores_only_a_hash(quiet: Settings, factory: sessionmaker[Session]) -> None:
    now = utcnow()
    (rid,) = add_residents(factory, 1, now=now)
    salt = resolve_salt(quiet.surveys.salt, quiet.data_dir)
    surveys = {"public": PUBLIC}
    with transaction(factory) as session:
        token = links.issue(session, PUBLIC, resident_id=rid, now=now, ttl=dt.timedelta(days=7))
        assert session.execute(select(SurveyLink.token_hash)).scalar_one() == links.token_hash(token)
    with transaction(factory) as session:
        opened = links.open_link(session, token, surveys, salt=salt, now=now, ttl=dt.timedelta(days=7))
        assert opened.state == links.OK
        assert links.submit(session, opened, {"publicity": ["trained"]}, salt=salt, now=now) is not None
    with transaction(factory) as session:
        again = links.open_link(session, token, surveys, salt=salt, now=now, ttl=dt.timedelta(days=7))
        assert again.state == links.USED
        late = links.open_link(session, "unknown", surveys, salt=salt, now=now, ttl=dt.timedelta(days=7))
        assert late.state == links.INVALID
