"""A photo or a sticker gets a friendly request for the item's name, on WeChat and on Telegram (issue #13 §2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings, TelegramSettings, WechatSettings
from bot.db import dispose_engines, transaction
from bot.models import ChatLog
from bot.web.app import create_app
from knowledge import texts
from knowledge.models import Unanswered
from tests.support.fake_telegram import (
    TOKEN as TELEGRAM_TOKEN,
)
from tests.support.fake_telegram import (
    FakeTelegram,
    photo_update,
    running_fake_telegram,
    sticker_update,
)
from tests.support.fake_wechat import (
    AES_KEY,
    APP_ID,
    TOKEN,
    decrypt_reply,
    encrypted_request,
    message_xml,
)
from tests.support.server import running_server

SECRET = "photo-Secret_1"


@pytest.fixture(autouse=True)
def _close_pools() -> Iterator[None]:
    yield
    dispose_engines()


def _wechat(settings: Settings) -> Settings:
    wechat = WechatSettings(
        token=SecretStr(TOKEN),
        app_id=APP_ID,
        encoding_aes_key=SecretStr(AES_KEY),
        mode="safe",
        api_base_url="http://127.0.0.1:9/cgi-bin/",
    )
    return settings.model_copy(update={"wechat": wechat})


def _nothing_queued(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(Unanswered)) == 0
        assert session.scalar(select(func.count()).select_from(ChatLog).where(ChatLog.intent == "unknown")) == 0


def test_a_wechat_image_gets_asked_for_the_item_name(settings: Settings, factory: sessionmaker[Session]) -> None:
    xml = message_xml("o_photo", "image", PicUrl="http://mmbiz.example/p.jpg", MediaId="media1", MsgId=7001)
    query, body = encrypted_request(xml)
    with TestClient(create_app(_wechat(settings))) as client:
        res = client.post("/wechat", params=query, content=body.encode())
    assert res.status_code == 200 and "<Encrypt>" in res.text
    reply = decrypt_reply(res.text)
    assert reply["ToUserName"] == "o_photo"
    assert reply["Content"] == texts.PHOTO  # names what to type, not the generic "图片看不懂"
    _nothing_queued(factory)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with running_fake_telegram() as f:
        yield f


@pytest.fixture
def base(settings: Settings, fake: FakeTelegram) -> Iterator[str]:
    telegram = TelegramSettings(token=TELEGRAM_TOKEN, base_url=fake.base_url, webhook_secret=SECRET)
    with running_server(settings.model_copy(update={"telegram": telegram})) as url:
        yield url


def _deliver(base: str, fake: FakeTelegram, update: dict[str, Any]) -> None:
    body = {"update_id": fake.new_update_id(), **update}
    res = httpx.post(
        f"{base}/telegram/webhook", json=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}, timeout=30
    )
    assert res.status_code == 200


@pytest.mark.parametrize("update", [photo_update, sticker_update], ids=["photo", "sticker"])
def test_a_telegram_photo_or_sticker_gets_asked_for_the_item_name(
    base: str, fake: FakeTelegram, factory: sessionmaker[Session], update: Any
) -> None:
    _deliver(base, fake, update(350))
    [call] = fake.wait_for("sendMessage", 1)
    assert call.params["chat_id"] == "350"
    assert call.params["text"] == texts.PHOTO
    _nothing_queued(factory)
