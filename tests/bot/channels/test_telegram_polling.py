"""Polling mode and the `wufei telegram` commands, run as real processes against a fake Bot API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.channels import telegram_texts
from bot.config import Settings
from bot.db import dispose_engines, utcnow
from bot.dialogue import Dialogue, IncomingMessage
from tests.support.fake_telegram import TOKEN, FakeTelegram, callback_update, message_update, running_fake_telegram

ROOT = Path(__file__).resolve().parents[3]
SECRET = "poll-Secret_1"


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with running_fake_telegram() as f:
        yield f
    dispose_engines()


def env_for(settings: Settings, fake: FakeTelegram, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "WUFEI_DATABASE_URL": settings.db_url,
        "WUFEI_DATA_DIR": str(settings.data_dir),
        "WUFEI_LOG_LEVEL": "WARNING",
        "WUFEI_TELEGRAM__TOKEN": TOKEN,
        "WUFEI_TELEGRAM__BASE_URL": fake.base_url,
        "WUFEI_TELEGRAM__WEBHOOK_SECRET": SECRET,
    }
    env.update(extra)
    return env


def wufei(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, env=env, timeout=120, cwd=ROOT
    )


def test_polling_answers_commands_text_and_buttons_and_stops_on_ctrl_c(
    settings: Settings, factory: sessionmaker[Session], fake: FakeTelegram
) -> None:
    fake.push_update(message_update(601, "/help"))
    fake.push_update(message_update(602, "电池"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "telegram", "poll"],
        env=env_for(settings, fake),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        sent = fake.wait_for("sendMessage", 2, timeout=60)
        question = next(c for c in sent if c.params["chat_id"] == "602")
        fake.push_update(callback_update(602, question.result, "2"))
        sent = fake.wait_for("sendMessage", 3, timeout=30)
        fake.wait_for("answerCallbackQuery", 1)
        fake.wait_for("editMessageReplyMarkup", 1)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert telegram_texts.POLLING in out

    oracle = Dialogue(factory, settings)
    at = utcnow()
    help_text = oracle.handle(IncomingMessage("web", "oracle", "帮助", at))[0].text
    oracle.handle(IncomingMessage("web", "oracle", "电池", at))
    chosen = oracle.handle(IncomingMessage("web", "oracle", "2", at))[0].text
    by_chat = {(c.params["chat_id"], c.params["text"]) for c in sent}
    assert ("601", help_text) in by_chat
    assert ("602", chosen) in by_chat
    assert fake.calls_to("deleteWebhook") and fake.calls_to("setMyCommands")
    polls = fake.calls_to("getUpdates")
    assert "my_chat_member" in polls[-1].params["allowed_updates"]


def test_set_webhook_registers_the_url_with_our_secret(settings: Settings, fake: FakeTelegram) -> None:
    done = wufei(env_for(settings, fake), "telegram", "set-webhook", "https://example.org/telegram/webhook")
    assert done.returncode == 0, done.stderr
    assert "https://example.org/telegram/webhook" in done.stdout
    [call] = fake.calls_to("setWebhook")
    assert call.params["url"] == "https://example.org/telegram/webhook"
    assert call.params["secret_token"] == SECRET
    assert set(call.params["allowed_updates"]) == {"message", "callback_query", "my_chat_member"}
    assert fake.calls_to("setMyCommands")


@pytest.mark.parametrize(
    ("extra", "args", "message"),
    [
        ({"WUFEI_TELEGRAM__TOKEN": ""}, ["poll"], "WUFEI_TELEGRAM__TOKEN"),
        ({"WUFEI_TELEGRAM__TOKEN": ""}, ["set-webhook", "https://example.org/h"], "WUFEI_TELEGRAM__TOKEN"),
        ({}, ["set-webhook", "http://example.org/h"], "https://"),
        ({"WUFEI_TELEGRAM__WEBHOOK_SECRET": ""}, ["set-webhook", "https://example.org/h"], "WEBHOOK_SECRET"),
        ({"WUFEI_TELEGRAM__WEBHOOK_SECRET": "空格 不行"}, ["set-webhook", "https://example.org/h"], "WEBHOOK_SECRET"),
        ({"WUFEI_TELEGRAM__TOKEN": "999:wrong"}, ["set-webhook", "https://example.org/h"], "Telegram 接口出错"),
    ],
)
def test_telegram_commands_explain_what_is_wrong(
    settings: Settings, fake: FakeTelegram, extra: dict[str, str], args: list[str], message: str
) -> None:
    if settings.db_url.startswith("postgresql"):
        pytest.skip("argument checks do not depend on the database")
    done = wufei(env_for(settings, fake, **extra), "telegram", *args)
    assert done.returncode == 2
    assert done.stderr.startswith("错误：") and message in done.stderr
    assert "Traceback" not in done.stderr
    assert fake.calls_to("setWebhook") == []
