"""The WeChat webhook under attack and faults (#16): nothing acknowledged is lost, safe mode, replays, access logs."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import xmltodict
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.channels import wechat, wechat_texts
from bot.channels.telegram_models import TelegramUpdate
from bot.channels.telegram_updates import purge_updates
from bot.channels.wechat_models import WechatInbound, WechatNonce
from bot.config import Settings, WechatSettings
from bot.db import dispose_engines, get_engine, session_factory, transaction
from bot.models import ChatLog
from bot.web.app import create_app
from campaigns.models import ChannelIdentity
from tests.support.fake_telegram import TOKEN as TELEGRAM_TOKEN
from tests.support.fake_telegram import message_update, running_fake_telegram
from tests.support.fake_wechat import (
    AES_KEY,
    APP_ID,
    TOKEN,
    FakeWechat,
    decrypt_reply,
    encrypted_request,
    message_xml,
    signed_query,
)
from tests.support.server import free_port, wait_healthy


@pytest.fixture(autouse=True)
def _close_pools() -> Iterator[None]:
    """Each test has its own database: close its pooled connections so PostgreSQL does not run out of slots."""
    yield
    dispose_engines()


def with_wechat(settings: Settings, fake: FakeWechat | None = None, **overrides: object) -> Settings:
    """The test settings with WeChat on (AES key set, customer-service API on the fake when given)."""
    values: dict[str, object] = {
        "token": SecretStr(TOKEN),
        "app_id": APP_ID,
        "app_secret": SecretStr("test-secret" if fake else ""),
        "encoding_aes_key": SecretStr(AES_KEY),
        "api_base_url": fake.base_url if fake else "http://127.0.0.1:9/cgi-bin/",
    }
    values.update(overrides)
    return settings.model_copy(update={"wechat": WechatSettings.model_validate(values)})


def count(settings: Settings, model: type, **where: object) -> int:
    with transaction(session_factory(settings.db_url)) as session:
        return int(session.execute(select(func.count()).select_from(model).filter_by(**where)).scalar_one())


# --- a locked database: "success" only once the message is recorded ---------------------------------------------


@contextmanager
def database_locked(settings: Settings) -> Iterator[None]:
    """Another connection holds a write lock on the database (SQLite) or on wechat_inbound (PostgreSQL) meanwhile."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        url = make_url(settings.db_url)
        if url.get_backend_name() == "sqlite":
            conn = sqlite3.connect(str(url.database), isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            held.set()
            release.wait(30)
            conn.execute("COMMIT")
            conn.close()
            return
        with get_engine(settings.db_url).connect() as pg:
            pg.execute(text("LOCK TABLE wechat_inbound IN EXCLUSIVE MODE"))
            held.set()
            release.wait(30)
            pg.rollback()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert held.wait(10)
    try:
        yield
    finally:
        release.set()
        thread.join(timeout=10)


def deliver_like_wechat(client: TestClient, query: dict[str, str], body: str) -> list[httpx.Response]:
    """WeChat's delivery: up to 3 attempts, a new one only after a non-2xx (any 2xx, "success" included, ends it)."""
    responses: list[httpx.Response] = []
    for _ in range(3):
        responses.append(client.post("/wechat", params=query, content=body.encode()))
        if responses[-1].status_code < 300:
            break
        time.sleep(1.0)  # WeChat retries a few seconds later
    return responses


@pytest.mark.parametrize("held_after", [2.5, 0.0], ids=["locked-over-5s", "released-right-after-503"])
def test_a_message_arriving_while_the_database_is_locked_is_answered_once(
    settings: Settings, fake: FakeWechat, held_after: float
) -> None:
    # locked-over-5s: the insert gives up (SQLite's 5 s busy timeout); released-right-after-503: the insert gets
    # through after the request answered 503, and must be rolled back rather than answered a second time
    xml = message_xml("o_locked", "text", Content="用过的纸巾", MsgId=16_000_001)
    query, body = encrypted_request(xml)
    with TestClient(create_app(with_wechat(settings, fake, mode="safe"))) as client:
        warm_query, warm_body = encrypted_request(message_xml("o_locked", "event", Event="LOCATION", Latitude="34.5"))
        assert client.post("/wechat", params=warm_query, content=warm_body.encode()).text == "success"  # route built
        with database_locked(settings):
            started = time.monotonic()
            first = client.post("/wechat", params=query, content=body.encode())
            assert time.monotonic() - started < 5.0  # within WeChat's 5 s
            time.sleep(held_after)
        assert first.status_code == 503, first.text  # not "success": WeChat will deliver again
        assert first.text == wechat_texts.NOT_RECORDED
        retries = deliver_like_wechat(client, query, body)
        time.sleep(1.5)  # a late customer-service send, if any, would happen now
    answered = [decrypt_reply(r.text)["Content"] for r in retries if r.status_code == 200 and r.text != "success"]
    answered += [c.body["text"]["content"] for c in fake.sent()]
    assert len(answered) == 1 and "其他垃圾" in answered[0]
    assert count(settings, WechatInbound) == 1
    assert count(settings, ChatLog, channel="wechat") == 1


def test_success_is_said_only_after_the_message_is_recorded(settings: Settings, fake: FakeWechat) -> None:
    # the answer is late (budget 0), the record is not: "success" now, the answer through customer service
    with TestClient(create_app(with_wechat(settings, fake, mode="safe", reply_timeout_seconds=0.0))) as client:
        query, body = encrypted_request(message_xml("o_fast", "text", Content="电池", MsgId=16_000_002))
        res = client.post("/wechat", params=query, content=body.encode())
        assert (res.status_code, res.text) == (200, "success")
        assert count(settings, WechatInbound, dedupe_key="msg:16000002") == 1  # recorded before "success"
        deadline = time.monotonic() + 10
        while not fake.sent() and time.monotonic() < deadline:
            time.sleep(0.05)
    assert len(fake.sent()) == 1


# --- safe mode --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["safe", "auto"])
def test_safe_mode_refuses_a_plaintext_post(settings: Settings, mode: str) -> None:
    with TestClient(create_app(with_wechat(settings, mode=mode))) as client:
        xml = message_xml("o_plain", "text", Content="过期药品", MsgId=16_000_101)
        res = client.post("/wechat", params=signed_query(), content=xml.encode())
        assert res.status_code == 403
        assert res.text == wechat_texts.PLAINTEXT_REFUSED
        assert "有害垃圾" not in res.text
        query, body = encrypted_request(xml)  # the same message as WeChat sends it in safe mode is answered
        ok = client.post("/wechat", params=query, content=body.encode())
    assert ok.status_code == 200
    assert "有害垃圾" in decrypt_reply(ok.text)["Content"]
    assert count(settings, WechatInbound) == 1
    assert count(settings, ChatLog, channel="wechat") == 1


def test_compatible_and_plaintext_modes_still_read_plaintext(settings: Settings) -> None:
    for mode, key in (("compatible", AES_KEY), ("plaintext", AES_KEY), ("auto", "")):
        config = with_wechat(settings, mode=mode, encoding_aes_key=SecretStr(key))
        with TestClient(create_app(config)) as client:
            xml = message_xml(f"o_{mode}", "text", Content="过期药品", MsgId=16_000_200 + len(mode))
            res = client.post("/wechat", params=signed_query(), content=xml.encode())
        assert res.status_code == 200, mode
        assert "有害垃圾" in xmltodict.parse(res.text)["xml"]["Content"]


# --- replayed signatures ----------------------------------------------------------------------------------------


def test_a_replayed_signature_with_another_body_is_refused_and_a_real_retry_is_answered_again(
    settings: Settings,
) -> None:
    query = signed_query()
    genuine = message_xml("o_victim", "text", Content="过期药品", MsgId=16_000_301)
    forged = message_xml("o_attacker", "text", Content="订阅", MsgId=16_000_302)
    with TestClient(create_app(with_wechat(settings, mode="compatible"))) as client:
        first = client.post("/wechat", params=query, content=genuine.encode())
        replayed = client.post("/wechat", params=query, content=forged.encode())
        retry = client.post("/wechat", params=query, content=genuine.encode())  # WeChat's retry: same everything
    assert first.status_code == 200
    assert replayed.status_code == 403 and replayed.text == wechat_texts.NONCE_REPLAYED
    assert retry.status_code == 200
    assert xmltodict.parse(retry.text)["xml"]["Content"] == xmltodict.parse(first.text)["xml"]["Content"]
    assert count(settings, ChatLog, channel="wechat") == 1
    assert count(settings, ChannelIdentity, channel="wechat", external_id="o_attacker") == 0
    assert count(settings, WechatNonce) == 1


def test_purge_forgets_old_nonces_and_telegram_updates(settings: Settings, factory: sessionmaker[Session]) -> None:
    now = dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)
    with transaction(factory) as session:
        for i, age in enumerate((dt.timedelta(days=3), dt.timedelta(hours=47))):
            session.add(WechatNonce(pair=f"1:{i}", dedupe_key="msg:1", seen_at=now - age))
            session.add(TelegramUpdate(bot_id=1, update_id=i, received_at=now - age))
    with transaction(factory) as session:
        assert wechat.purge_dedupe(session, now) == 1
        assert purge_updates(session, now) == 1
    assert count(settings, WechatNonce) == 1 and count(settings, TelegramUpdate) == 1


# --- access logs ------------------------------------------------------------------------------------------------


def test_the_access_log_carries_no_signature_nonce_timestamp_or_secret(settings: Settings) -> None:
    secret = "tg-secret-Value-4242"
    with running_fake_telegram() as telegram:
        port = free_port()
        env = {
            **os.environ,
            "WUFEI_DATABASE_URL": settings.db_url,
            "WUFEI_DATA_DIR": str(settings.data_dir),
            "WUFEI_WECHAT__TOKEN": TOKEN,
            "WUFEI_WECHAT__APP_ID": APP_ID,
            "WUFEI_WECHAT__ENCODING_AES_KEY": AES_KEY,
            "WUFEI_WECHAT__MODE": "compatible",
            "WUFEI_TELEGRAM__TOKEN": TELEGRAM_TOKEN,
            "WUFEI_TELEGRAM__BASE_URL": telegram.base_url,
            "WUFEI_TELEGRAM__WEBHOOK_SECRET": secret,
        }
        cmd = [sys.executable, "-m", "uvicorn", "--factory", "bot.web.app:create_app", "--port", str(port)]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            if not wait_healthy(base, timeout=240):  # a loaded 2-core machine starts slowly on PostgreSQL
                proc.kill()
                raise AssertionError(proc.communicate(timeout=20)[0].decode("utf-8", "replace")[-3000:])
            check = {**signed_query(nonce="731904268"), "echostr": "echo-5550123"}
            assert httpx.get(f"{base}/wechat", params=check).text == "echo-5550123"
            plain = signed_query(nonce="846213579")
            xml = message_xml("o_logged", "text", Content="纸巾", MsgId=16_000_401)
            assert httpx.post(f"{base}/wechat", params=plain, content=xml.encode(), timeout=10).status_code == 200
            enc_query, enc_body = encrypted_request(message_xml("o_logged", "text", Content="电池", MsgId=16_000_402))
            assert httpx.post(f"{base}/wechat", params=enc_query, content=enc_body.encode(), timeout=10).is_success
            tg = httpx.post(
                f"{base}/telegram/webhook",
                json={"update_id": 77, **message_update(4242, "纸巾")},
                headers={"X-Telegram-Bot-Api-Secret-Token": secret},
                timeout=10,
            )
            assert tg.status_code == 200
        finally:
            proc.terminate()
            output = proc.communicate(timeout=20)[0].decode("utf-8", "replace")
    assert '"GET /wechat?' in output and '"POST /wechat?' in output and '"POST /telegram/webhook' in output
    values = [
        check["signature"],
        check["timestamp"],
        check["nonce"],
        "echo-5550123",
        plain["signature"],
        plain["nonce"],
        enc_query["signature"],
        enc_query["msg_signature"],
        enc_query["nonce"],
        secret,
    ]
    assert [v for v in values if v in output] == []
    assert "signature=***" in output and "nonce=***" in output
