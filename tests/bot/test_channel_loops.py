"""One sending thread per channel: a slow platform (WeChat, against the fake API) never holds another (Telegram)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.wechat_api import open_window
from bot.config import CampaignSettings, Settings, TelegramSettings, WechatSettings
from bot.db import dispose_engines, transaction, utcnow
from bot.scheduler import CampaignScheduler
from campaigns import lifecycle
from campaigns.models import Delivery
from tests.support.campaigns import add_residents
from tests.support.fake_telegram import TOKEN as TELEGRAM_TOKEN
from tests.support.fake_telegram import FakeTelegram, running_fake_telegram
from tests.support.fake_wechat import APP_ID, FakeWechat, fake_wechat_server

WECHAT_DELAY = 1.0  # seconds the fake WeChat API takes per message
FOLLOWERS, CHATS = 4, 12
TELEGRAM_RATE = 20.0  # sends per second configured for Telegram (per process)


@pytest.fixture(autouse=True)
def _close_pools() -> Iterator[None]:
    yield
    dispose_engines()


def with_platforms(settings: Settings, wechat: FakeWechat, telegram: FakeTelegram) -> Settings:
    return settings.model_copy(
        update={
            "wechat": WechatSettings(app_id=APP_ID, app_secret=SecretStr("s"), api_base_url=wechat.base_url),
            "telegram": TelegramSettings(token=TELEGRAM_TOKEN, base_url=telegram.base_url),
            "campaigns": CampaignSettings(
                quiet_hours="off", tick_seconds=0.2, rates={"web": 500.0, "wechat": 50.0, "telegram": TELEGRAM_RATE}
            ),
        }
    )


def start_campaign(factory: sessionmaker[Session]) -> None:
    now = utcnow()
    add_residents(factory, FOLLOWERS, now=now, channel="wechat", prefix="o_slow")  # lower ids: claimed first
    add_residents(factory, CHATS, now=now, channel="telegram", prefix="71000")
    with transaction(factory) as session:
        for i in range(FOLLOWERS):
            open_window(session, openid=f"o_slow{i}", kind="message", now=now)  # they wrote: custom sends allowed
        campaign = lifecycle.create(session, name="双渠道", text="周六环境日", now=now, channels=["wechat", "telegram"])
        lifecycle.start(session, campaign, now=now, quiet=None, grace=dt.timedelta(hours=2))


def test_a_slow_wechat_does_not_delay_telegram_and_each_loop_keeps_its_rate(
    settings: Settings, factory: sessionmaker[Session]
) -> None:
    with fake_wechat_server() as wechat, running_fake_telegram() as telegram:
        wechat.send_delay = WECHAT_DELAY
        configured = with_platforms(settings, wechat, telegram)
        start_campaign(factory)
        scheduler = CampaignScheduler(configured, factory)
        assert set(scheduler.senders) == {"web", "wechat", "telegram"}
        scheduler.start()
        try:
            calls = telegram.wait_for("sendMessage", CHATS, timeout=60)
            wechat_sent_meanwhile = len(wechat.sent())
            deadline = time.monotonic() + 60
            while len(wechat.sent()) < FOLLOWERS and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            scheduler.stop()
    # one loop for both would have sent the 4 WeChat rows (claimed first) at 1 s each before any Telegram one
    assert wechat_sent_meanwhile < FOLLOWERS - 1
    assert len(wechat.sent()) == FOLLOWERS
    assert len({c.params["chat_id"] for c in calls}) == CHATS
    arrivals = sorted(c.at for c in calls[:CHATS])
    assert arrivals[-1] - arrivals[0] >= (CHATS - 1) / TELEGRAM_RATE * 0.8  # paced at its configured rate


def test_the_web_outbox_loop_does_not_starve_telegram_on_sqlite(
    settings: Settings, factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    # the web loop writes its batches back to back; sleeping for its rate inside them held SQLite's one write lock,
    # so Telegram's claims and lease renewals waited seconds and a live claim was even handed back
    now = utcnow()
    add_residents(factory, 80, now=now, channel="web", prefix="w_busy")
    add_residents(factory, CHATS, now=now, channel="telegram", prefix="72000")
    with transaction(factory) as session:
        campaign = lifecycle.create(session, name="网页", text="周六环境日", now=now, channels=["web", "telegram"])
        lifecycle.start(session, campaign, now=now, quiet=None, grace=dt.timedelta(hours=2))
    with running_fake_telegram() as telegram:
        configured = settings.model_copy(
            update={
                "telegram": TelegramSettings(token=TELEGRAM_TOKEN, base_url=telegram.base_url),
                "campaigns": CampaignSettings(
                    quiet_hours="off", tick_seconds=0.2, batch_size=5, lease_seconds=3,
                    rates={"web": 20.0, "telegram": TELEGRAM_RATE},
                ),
            }
        )  # fmt: skip
        scheduler = CampaignScheduler(configured, factory)
        scheduler.start()
        try:
            telegram.wait_for("sendMessage", CHATS, timeout=60)
            with transaction(factory) as session:
                web_sent = session.scalar(
                    select(func.count())
                    .select_from(Delivery)
                    .where(Delivery.channel == "web", Delivery.state == "sent")
                )
        finally:
            scheduler.stop()
    assert web_sent is not None and web_sent < 80  # Telegram finished while the web loop was still sending (4 s)
    assert not [r for r in caplog.records if "after its claim was taken over" in r.getMessage()]
