"""Consent as the platforms give it (issue #14 §1): a WeChat follow or a Telegram /start is enough to be reached,
every push ends with how to stop, 退订 stops and 订阅 restores, and an unblocked Telegram user is reachable again.

Real protocols: wechatpy-signed XML into /wechat and pushes to the fake WeChat API; python-telegram-bot behind the
real app and the real TelegramSender against the fake Bot API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pytest
import xmltodict
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.telegram_sender import TelegramSender
from bot.channels.wechat_api import WechatSender
from bot.config import Settings, TelegramSettings, WechatSettings
from bot.db import dispose_engines, transaction, utcnow
from bot.web.app import create_app
from campaigns import ledger, lifecycle, runs, texts
from campaigns.delivery import DeliveryLoop, SenderLike
from campaigns.models import ChannelIdentity, Resident
from tests.support.fake_telegram import (
    TOKEN,
    FakeTelegram,
    message_update,
    my_chat_member_update,
    running_fake_telegram,
)
from tests.support.fake_wechat import AES_KEY, APP_ID, FakeWechat, fake_wechat_server, message_xml, signed_query
from tests.support.fake_wechat import TOKEN as WECHAT_TOKEN
from tests.support.server import running_server

GRACE = dt.timedelta(hours=2)
SECRET = "s3cret-Token_42"


@pytest.fixture(autouse=True)
def _close_pools() -> Iterator[None]:
    yield
    dispose_engines()  # each test has its own database: give PostgreSQL its connection slots back


def push(factory: sessionmaker[Session], senders: Mapping[str, SenderLike], *, channels: list[str]) -> dict[str, Any]:
    """Create a campaign to everyone, fire it now, send it through `senders`; its status."""
    now = utcnow()
    with transaction(factory) as session:
        campaign = lifecycle.create(
            session, name="环境日", text="6月5日环境日，一起光盘行动", now=now, channels=channels
        )
        lifecycle.start(session, campaign, now=now, quiet=None, grace=GRACE)
        cid = campaign.id
    with transaction(factory) as session:
        runs.tick(session, now=now, quiet=None, grace=GRACE, channels_available=list(senders))
    DeliveryLoop(factory, senders, worker="t", clock=utcnow, sleep=lambda s: None).drain()
    with transaction(factory) as session:
        runs.tick(session, now=utcnow(), quiet=None, grace=GRACE, channels_available=list(senders))
        return ledger.status(session, lifecycle.get(session, cid))


def resident_of(factory: sessionmaker[Session], channel: str, external_id: str) -> Resident:
    with transaction(factory) as session:
        return session.execute(
            select(Resident)
            .join(ChannelIdentity)
            .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
        ).scalar_one()


# --- WeChat ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def fake_wx() -> Iterator[FakeWechat]:
    with fake_wechat_server() as server:
        yield server


@pytest.fixture
def wx_settings(settings: Settings, fake_wx: FakeWechat) -> Settings:
    wechat = WechatSettings(
        token=SecretStr(WECHAT_TOKEN), app_id=APP_ID, app_secret=SecretStr("test-secret"),
        encoding_aes_key=SecretStr(AES_KEY), mode="compatible", api_base_url=fake_wx.base_url,
    )  # fmt: skip
    return settings.model_copy(update={"wechat": wechat})


def wx_say(client: TestClient, xml: str) -> str:
    res = client.post("/wechat", params=signed_query(), content=xml.encode("utf-8"))
    assert res.status_code == 200, res.text
    return str(xmltodict.parse(res.text)["xml"]["Content"]) if res.text.startswith("<xml") else res.text


def test_a_wechat_follower_is_reached_and_td_stops_it_and_subscribe_restores_it(
    wx_settings: Settings, factory: sessionmaker[Session], fake_wx: FakeWechat
) -> None:
    senders = {"wechat": WechatSender(wx_settings.wechat, factory)}
    with TestClient(create_app(wx_settings)) as client:
        welcome = wx_say(client, message_xml("o_follow", "event", Event="subscribe"))
        assert "回复“退订”" in welcome  # the welcome says how to stop
        st = push(factory, senders, channels=["wechat"])
        assert (st["sent"], st["skipped"], st["warning"]) == (1, 0, None)
        [sent] = fake_wx.sent()
        assert sent.body["touser"] == "o_follow"
        assert sent.body["text"]["content"].endswith(texts.STOP_LINE.strip())
        assert wx_say(client, message_xml("o_follow", "text", Content="TD", MsgId=9001)) == texts.UNSUBSCRIBED
        st = push(factory, senders, channels=["wechat"])
        assert (st["sent"], st["skip_reasons"], st["skip_reason_names"]) == (
            0, {"opted_out": 1}, {"居民已退订": 1},
        )  # fmt: skip
        assert st["warning"] == texts.ZERO_DELIVERED  # 0 delivered is a warning, not a success
        assert len(fake_wx.sent()) == 1
        assert wx_say(client, message_xml("o_follow", "text", Content="订阅", MsgId=9002)) == texts.SUBSCRIBED
        assert push(factory, senders, channels=["wechat"])["sent"] == 1
    assert len(fake_wx.sent()) == 2


def test_opt_in_setting_skips_followers_with_a_chinese_reason_until_they_subscribe(
    wx_settings: Settings, factory: sessionmaker[Session], fake_wx: FakeWechat
) -> None:
    opt_in = wx_settings.model_copy(
        update={"campaigns": wx_settings.campaigns.model_copy(update={"consent": "opt_in"})}
    )
    with TestClient(create_app(opt_in)) as client:
        welcome = wx_say(client, message_xml("o_cautious", "event", Event="subscribe"))
        assert "请回复“订阅”" in welcome
        now = utcnow()
        with transaction(factory) as session:
            campaign = lifecycle.create(session, name="通知", text="通知", now=now, channels=["wechat"])
            lifecycle.start(session, campaign, now=now, quiet=None, grace=GRACE)
            runs.tick(session, now=now, quiet=None, grace=GRACE, consent="opt_in")
            st = ledger.status(session, campaign)
            rows = ledger.rows(session, campaign.id)
        assert (st["sent"], st["skip_reasons"]) == (0, {"no_consent": 1})
        assert [ledger.csv_values(r)[7] for r in rows] == [texts.REASONS["no_consent"]]
        wx_say(client, message_xml("o_cautious", "text", Content="订阅", MsgId=9100))
        with transaction(factory) as session:
            campaign2 = lifecycle.create(session, name="通知2", text="通知", now=now, channels=["wechat"])
            assert runs.preview(session, campaign2, now=now, consent="opt_in")["would_send"] == 1


# --- Telegram -------------------------------------------------------------------------------------------------------


@pytest.fixture
def fake_tg() -> Iterator[FakeTelegram]:
    with running_fake_telegram() as f:
        yield f


@pytest.fixture
def tg_settings(settings: Settings, fake_tg: FakeTelegram) -> Settings:
    telegram = TelegramSettings(token=TOKEN, base_url=fake_tg.base_url, webhook_secret=SECRET)
    return settings.model_copy(update={"telegram": telegram})


def tg_post(base: str, fake: FakeTelegram, update: dict[str, Any]) -> None:
    body = {"update_id": fake.new_update_id(), **update}
    res = httpx.post(
        f"{base}/telegram/webhook", json=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}, timeout=30
    )
    assert res.status_code == 200


def pushes_to(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [str(c.params["text"]) for c in fake.calls_to("sendMessage") if c.params["chat_id"] == str(chat_id)]


def test_a_telegram_start_is_reached_and_stop_words_work(
    tg_settings: Settings, factory: sessionmaker[Session], fake_tg: FakeTelegram
) -> None:
    sender = TelegramSender(tg_settings, factory)
    try:
        with running_server(tg_settings) as base:
            tg_post(base, fake_tg, message_update(601, "/start"))
            st = push(factory, {"telegram": sender}, channels=["telegram"])
            assert st["sent"] == 1
            assert pushes_to(fake_tg, 601)[-1] == "6月5日环境日，一起光盘行动" + texts.STOP_LINE
            tg_post(base, fake_tg, message_update(601, "停止推送", message_id=2))
            assert pushes_to(fake_tg, 601)[-1] == texts.UNSUBSCRIBED
            assert push(factory, {"telegram": sender}, channels=["telegram"])["skip_reasons"] == {"opted_out": 1}
            tg_post(base, fake_tg, message_update(601, "/subscribe", message_id=3))
            assert resident_of(factory, "telegram", "601").push_consent
            assert push(factory, {"telegram": sender}, channels=["telegram"])["sent"] == 1
    finally:
        sender.close()


@pytest.mark.parametrize("comeback", ["my_chat_member", "message"])
def test_an_unreachable_telegram_user_is_reachable_again_after_unblocking_or_writing(
    tg_settings: Settings, factory: sessionmaker[Session], fake_tg: FakeTelegram, comeback: str
) -> None:
    sender = TelegramSender(tg_settings, factory)
    try:
        with running_server(tg_settings) as base:
            tg_post(base, fake_tg, message_update(602, "/start"))
            fake_tg.block(602)  # the user blocked the bot: sendMessage answers 403 Forbidden
            st = push(factory, {"telegram": sender}, channels=["telegram"])
            assert (st["sent"], st["skip_reasons"]) == (0, {"unreachable": 1})
            assert resident_of(factory, "telegram", "602").status == "unreachable"
            assert push(factory, {"telegram": sender}, channels=["telegram"])["skip_reasons"] == {"unreachable": 1}
            fake_tg.blocked.discard("602")
            if comeback == "my_chat_member":
                tg_post(base, fake_tg, my_chat_member_update(602, "kicked", "member"))
            else:
                tg_post(base, fake_tg, message_update(602, "你好", message_id=5))
            assert resident_of(factory, "telegram", "602").status == "active"
            st = push(factory, {"telegram": sender}, channels=["telegram"])
            assert (st["sent"], st["skipped"]) == (1, 0)
            assert pushes_to(fake_tg, 602)[-1].endswith(texts.STOP_LINE)
    finally:
        sender.close()
