"""The 退订 line on WeChat (issue #14 §1): a customer-service push and a 图文 push end with it; a 模板消息 goes out with the
template's own fields only (no field is changed to carry it; the choice is documented and the console form says so);
a resident who got a template push and replies 退订 is not pushed again. Real sender against the fake WeChat API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.wechat_api import WechatSender, open_window
from bot.config import Settings, WechatSettings
from bot.db import dispose_engines, transaction
from bot.dialogue import Dialogue, IncomingMessage
from bot.web.app import create_app
from campaigns import lifecycle, news, runs, templates
from campaigns.delivery import DeliveryLoop
from campaigns.models import Delivery, Resident
from campaigns.texts import STOP_LINE
from tests.support.admin import console_login, make_staff
from tests.support.campaigns import add_residents
from tests.support.fake_wechat import APP_ID, FakeWechat

T0 = dt.datetime(2026, 6, 5, 1, 0, tzinfo=dt.UTC)
GRACE = dt.timedelta(hours=2)
FIELDS = {"first": "{township}的居民您好", "keyword1": "三月三无废集市", "remark": "欢迎参加"}


@pytest.fixture(autouse=True)
def _close_pools() -> Iterator[None]:
    yield
    dispose_engines()


def push(factory: sessionmaker[Session], fake: FakeWechat, at: dt.datetime, **variants: object) -> int:
    """Create, start and send a WeChat campaign through the real sender; its id."""
    with transaction(factory) as session:
        campaign = lifecycle.create(
            session, name="集市", text="周六无废集市", channels=["wechat"], variants=variants, now=at
        )
        lifecycle.start(session, campaign, now=at, quiet=None, grace=GRACE)
        runs.tick(session, now=at, quiet=None, grace=GRACE, channels_available=["wechat"])
        campaign_id = campaign.id
    settings = WechatSettings.model_validate(
        {"app_id": APP_ID, "app_secret": SecretStr("s3cret"), "api_base_url": fake.base_url}
    )
    sender = WechatSender(settings, factory)
    DeliveryLoop(factory, {"wechat": sender}, worker="t", clock=lambda: at, sleep=lambda s: None).drain()
    return campaign_id


def test_template_pushes_carry_the_template_fields_only_and_other_pushes_end_with_the_line(
    factory: sessionmaker[Session], settings: Settings, fake: FakeWechat
) -> None:
    add_residents(factory, 2, now=T0 - dt.timedelta(days=5), channel="wechat", prefix="o", township="新建路街道")
    with transaction(factory) as session:
        open_window(session, openid="o0", kind="message", now=T0 - dt.timedelta(hours=1))  # o1 wrote 5 days ago
    template = templates.from_fields("TPL", [f"{k}={v}" for k, v in FIELDS.items()])
    push(factory, fake, T0, **{templates.KEY: template})

    [inside] = fake.sent("message/custom/send")
    assert inside.body["touser"] == "o0" and inside.body["text"]["content"].endswith(STOP_LINE)
    [outside] = fake.sent("message/template/send")
    assert outside.body["touser"] == "o1"
    values = {k: v["value"] for k, v in outside.body["data"].items()}
    assert values == {"first": "新建路街道的居民您好", "keyword1": "三月三无废集市", "remark": "欢迎参加"}
    assert not any("退订" in v for v in values.values())  # the documented choice: no field is changed to carry it

    # 退订 still works for the resident who only ever got a template push: the next campaign skips them
    Dialogue(factory, settings).handle(IncomingMessage("wechat", "o1", "退订", T0 + dt.timedelta(hours=1)))
    later = T0 + dt.timedelta(days=1)
    second = push(factory, fake, later, **{templates.KEY: template})
    with transaction(factory) as session:
        rows = session.execute(
            select(Delivery.external_id, Delivery.state, Delivery.reason)
            .join(Resident, Resident.id == Delivery.resident_id)
            .where(Delivery.campaign_id == second)
            .order_by(Delivery.id)
        ).all()
    states = {r.external_id or "": (r.state, r.reason) for r in rows}
    assert states.get("o0", ("?",))[0] == "sent" and len(rows) == 2
    assert [(s, why) for s, why in states.values() if s == "skipped"] == [("skipped", "opted_out")]
    assert len(fake.sent("message/template/send")) == 1  # no second template push to o1


def test_a_news_push_ends_its_description_with_the_line(factory: sessionmaker[Session], fake: FakeWechat) -> None:
    add_residents(factory, 1, now=T0, channel="wechat", prefix="o")
    with transaction(factory) as session:
        open_window(session, openid="o0", kind="message", now=T0)
    article = news.from_fields("周六无废集市", "旧物交换、以旧换绿", "", "https://example.org/market")
    push(factory, fake, T0, **{news.KEY: article})
    [call] = fake.sent("message/custom/send")
    [sent] = call.body["news"]["articles"]
    assert sent["description"].endswith(STOP_LINE.strip())


def test_the_campaign_form_says_template_pushes_go_without_the_line(
    settings: Settings, factory: sessionmaker[Session]
) -> None:
    with TestClient(create_app(settings)) as client:
        console_login(client, make_staff(factory, "小王", "staff"))
        form = client.get("/admin/campaigns/new").text
    assert 'id="template-stop-line"' in form and "模板消息<b>不带</b>" in form and "回复“退订”" in form
