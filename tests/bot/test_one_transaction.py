"""One transaction per resident message on every channel: web, WeChat and Telegram (BEGIN and COMMIT counted)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings, TelegramSettings
from bot.db import dispose_engines, get_engine
from bot.web.app import create_app
from tests.bot.web.webhooks.test_wechat_webhook import reply_of, wechat_settings
from tests.support.fake_telegram import TOKEN, message_update, running_fake_telegram
from tests.support.fake_wechat import message_xml
from tests.support.server import running_server

EVENTS = ("begin", "commit", "rollback")  # savepoints (a first contact's insert) stay inside the one transaction
ONE = Counter({"begin": 1, "commit": 1})  # no rollback, and nothing begun twice


@contextmanager
def transactions(engine: Engine) -> Iterator[Counter[str]]:
    """How many transactions were begun, committed and rolled back while the block ran."""
    seen: Counter[str] = Counter()
    listeners = {name: (lambda *_, name=name: seen.update([name])) for name in EVENTS}
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    try:
        yield seen
    finally:
        for name, listener in listeners.items():
            event.remove(engine, name, listener)


def quiet(settings: Settings) -> Settings:
    """No scheduler: its ticks would begin transactions of their own."""
    return settings.model_copy(update={"campaigns": settings.campaigns.model_copy(update={"scheduler": False})})


def test_a_web_message_is_one_transaction(settings: Settings) -> None:
    with TestClient(create_app(quiet(settings))) as client:
        engine = get_engine(settings.db_url)
        client.post("/api/chat", json={"text": "你好"})  # snapshot built, pool warm
        client.cookies.clear()
        with transactions(engine) as first:
            assert client.post("/api/chat", json={"text": "电池"}).status_code == 200  # a first contact
        with transactions(engine) as known:
            reply = client.post("/api/chat", json={"text": "2"})  # the same resident (cookie) answers the question
        with transactions(engine) as again:
            assert client.post("/api/chat", json={"text": "用过的纸巾"}).status_code == 200
    assert "有害垃圾" in reply.json()["replies"][0]["text"]
    assert first == ONE
    assert known == ONE
    assert again == ONE


def test_a_wechat_message_is_one_transaction(settings: Settings) -> None:
    configured = quiet(wechat_settings(settings))
    with TestClient(create_app(configured)) as client:
        engine = get_engine(settings.db_url)
        reply_of(client, message_xml("o_warm", "text", Content="你好", MsgId=18_100_001))
        with transactions(engine) as first:
            reply_of(client, message_xml("o_tx", "text", Content="电池", MsgId=18_100_002))
        with transactions(engine) as known:
            content = reply_of(client, message_xml("o_tx", "text", Content="2", MsgId=18_100_003))["Content"]
    assert "有害垃圾" in content
    assert first == ONE
    assert known == ONE


@pytest.fixture
def telegram_base(settings: Settings, factory: sessionmaker[Session]) -> Iterator[tuple[str, object]]:
    with running_fake_telegram() as fake:
        telegram = TelegramSettings(token=TOKEN, base_url=fake.base_url, webhook_secret="s3cret")
        with running_server(quiet(settings).model_copy(update={"telegram": telegram})) as base:
            yield base, fake
    dispose_engines()  # give the per-test database's pooled connections back (PostgreSQL has a cap)


def test_a_telegram_message_is_one_transaction(settings: Settings, telegram_base: tuple[str, object]) -> None:
    base, fake = telegram_base

    def post(update_id: int, text: str) -> None:
        body = {"update_id": update_id, **message_update(18_200, text)}
        headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
        assert httpx.post(f"{base}/telegram/webhook", json=body, headers=headers, timeout=30).is_success

    engine = get_engine(settings.db_url)
    post(1, "你好")  # snapshot built, pool warm, the chat known
    with transactions(engine) as known:
        post(2, "电池")
    with transactions(engine) as again:
        post(3, "2")
    texts = [c.params["text"] for c in fake.calls_to("sendMessage")]  # type: ignore[attr-defined]
    assert "有害垃圾" in texts[-1]
    assert known == ONE
    assert again == ONE
