"""Webhook mode: the real app under uvicorn, the real python-telegram-bot, a fake Bot API on the other side."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot import hooks
from bot import texts as core_texts
from bot.channels import telegram_texts
from bot.channels.telegram_models import TelegramChat, TelegramUpdate
from bot.channels.telegram_sender import TelegramSender
from bot.config import Settings, TelegramSettings
from bot.db import dispose_engines, get_engine, transaction, utcnow
from bot.dialogue import Dialogue, IncomingMessage, Turn
from bot.models import ChatLog
from knowledge.answer import Answer
from tests.support.fake_telegram import (
    TOKEN,
    FakeTelegram,
    callback_update,
    message_update,
    my_chat_member_update,
    running_fake_telegram,
    sticker_update,
)
from tests.support.server import running_server
from tests.support.webchat import WebResidents

SECRET = "s3cret-Token_42"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with running_fake_telegram() as f:
        yield f
    dispose_engines()  # give the per-test database's pooled connections back (PostgreSQL has a cap)


@pytest.fixture
def tg_settings(settings: Settings, fake: FakeTelegram) -> Settings:
    telegram = TelegramSettings(token=TOKEN, base_url=fake.base_url, webhook_secret=SECRET)
    return settings.model_copy(update={"telegram": telegram})


@pytest.fixture
def base(tg_settings: Settings, factory: sessionmaker[Session]) -> Iterator[str]:
    with running_server(tg_settings) as url:
        yield url


def post(base: str, fake: FakeTelegram, update: dict[str, Any], *, secret: str = SECRET) -> httpx.Response:
    """Deliver one update the way Telegram does."""
    body = {"update_id": fake.new_update_id(), **update}
    return httpx.post(f"{base}/telegram/webhook", json=body, headers={HEADER: secret}, timeout=30)


def replies_to(fake: FakeTelegram, chat_id: int) -> list[dict[str, Any]]:
    return [c.params for c in fake.calls_to("sendMessage") if c.params["chat_id"] == str(chat_id)]


WEB_COOKIES: dict[str, str] = {}  # web resident name → its identity cookie, so a conversation continues


def web_reply(base: str, user: str, text: str) -> dict[str, Any]:
    """What the web channel answers to the same words (the shared core is the oracle)."""
    with httpx.Client(timeout=30) as client:
        reply = WebResidents(client, base, WEB_COOKIES).ask(user, text)
    return dict(reply["replies"][0])


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    markup = params.get("reply_markup") or {}
    return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]


def test_startup_publishes_the_chinese_command_menu(base: str, fake: FakeTelegram) -> None:
    [call] = fake.calls_to("setMyCommands")
    menu = {c["command"]: c["description"] for c in call.params["commands"]}
    assert set(menu) == {"start", "help", "subscribe", "unsubscribe", "survey"}
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in text) for text in menu.values())
    assert fake.calls_to("getMe")


def test_start_with_a_deep_link_greets_and_hands_the_scene_to_the_core(
    tg_settings: Settings, factory: sessionmaker[Session], fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, str | None, dict[str, Any]]] = []
    original = hooks.before_knowledge

    def spy(turn: Turn) -> Answer | None:
        seen.append((turn.message.kind, turn.message.event, dict(turn.message.data)))
        return None

    monkeypatch.setattr(hooks, "before_knowledge", lambda: [spy, *original()])
    with running_server(tg_settings) as base:
        assert post(base, fake, message_update(301, "/start cell_12")).status_code == 200
        assert post(base, fake, message_update(302, "/start <script>")).status_code == 200
    assert seen[0] == ("event", "start", {"scene": "cell_12"})
    assert seen[1] == ("event", "start", {})  # an unknown payload is a plain start
    [welcome] = replies_to(fake, 301)
    assert "欢迎" in welcome["text"]
    assert [label for label, _ in buttons(welcome)][:2] == ["新郑市", "新密市"]


def test_commands_answer_like_the_words_typed_on_other_channels(base: str, fake: FakeTelegram) -> None:
    for chat_id, (command, word) in enumerate(sorted(telegram_texts.COMMAND_WORDS.items()), 310):
        assert post(base, fake, message_update(chat_id, f"/{command}")).status_code == 200
        [reply] = replies_to(fake, chat_id)
        expected = web_reply(base, f"web-{command}", word)
        assert reply["text"] == expected["text"], command
        assert [key for _, key in buttons(reply)] == [c["key"] for c in expected["choices"]]


def test_choices_become_buttons_answered_once(base: str, fake: FakeTelegram) -> None:
    post(base, fake, message_update(320, "电池"))
    [question] = fake.calls_to("sendMessage")
    assert [key for _, key in buttons(question.params)] == ["1", "2"]
    keyboard_message = question.result
    post(base, fake, callback_update(320, keyboard_message, "1", query_id="q1"))
    [answered] = fake.calls_to("answerCallbackQuery")
    assert answered.params["callback_query_id"] == "q1"
    label = dict((key, text) for text, key in buttons(question.params))["1"]
    assert label in answered.params.get("text", "")
    [edit] = fake.calls_to("editMessageReplyMarkup")
    assert edit.params["message_id"] == str(keyboard_message["message_id"])
    assert not edit.params.get("reply_markup", {}).get("inline_keyboard")
    web_reply(base, "web-battery", "电池")
    assert replies_to(fake, 320)[-1]["text"] == web_reply(base, "web-battery", "1")["text"]

    post(base, fake, callback_update(320, keyboard_message, "2", query_id="q2"))  # a second tap, same keyboard
    second = fake.calls_to("answerCallbackQuery")[-1]
    assert second.params["callback_query_id"] == "q2"
    assert second.params["text"] == telegram_texts.ALREADY_ANSWERED
    assert len(replies_to(fake, 320)) == 2 and len(fake.calls_to("editMessageReplyMarkup")) == 1


def test_typed_choice_works_like_the_button(base: str, fake: FakeTelegram) -> None:
    post(base, fake, message_update(321, "电池"))
    post(base, fake, message_update(321, "1", message_id=2))
    web_reply(base, "web-typed", "电池")
    assert replies_to(fake, 321)[-1]["text"] == web_reply(base, "web-typed", "1")["text"]


def test_blocking_and_unblocking_are_recorded_and_respected_by_pushes(
    base: str, fake: FakeTelegram, tg_settings: Settings, factory: sessionmaker[Session]
) -> None:
    assert post(base, fake, my_chat_member_update(330, "member", "kicked")).status_code == 200
    with transaction(factory) as session:
        chat = session.get(TelegramChat, "330")
        assert chat is not None and chat.blocked and chat.chat_type == "private"
    sender = TelegramSender(tg_settings, factory)
    try:
        assert sender.send("330", "活动通知", now=utcnow()).unreachable
        assert replies_to(fake, 330) == []
        post(base, fake, my_chat_member_update(330, "kicked", "member"))
        assert sender.send("330", "活动通知", now=utcnow()).ok
    finally:
        sender.close()
    assert [p["text"] for p in replies_to(fake, 330)] == ["活动通知"]


def test_the_same_update_delivered_four_times_is_answered_and_logged_once(
    base: str, fake: FakeTelegram, factory: sessionmaker[Session]
) -> None:
    def deliver(update: dict[str, Any]) -> int:
        r = httpx.post(f"{base}/telegram/webhook", json=update, headers={HEADER: SECRET}, timeout=30)
        return r.status_code

    again = {"update_id": fake.new_update_id(), **message_update(350, "用过的纸巾")}
    assert [deliver(again) for _ in range(4)] == [200] * 4  # Telegram redelivers until it gets a 2xx
    at_once = {"update_id": fake.new_update_id(), **message_update(351, "过期药品")}
    with ThreadPoolExecutor(4) as pool:  # redeliveries racing on several connections
        assert list(pool.map(deliver, [at_once] * 4)) == [200] * 4
    assert len(replies_to(fake, 350)) == 1 and "其他垃圾" in replies_to(fake, 350)[0]["text"]
    assert len(replies_to(fake, 351)) == 1 and "有害垃圾" in replies_to(fake, 351)[0]["text"]
    with transaction(factory) as session:
        logged = session.execute(
            select(ChatLog.text, func.count()).where(ChatLog.channel == "telegram").group_by(ChatLog.text)
        ).all()
    assert sorted((said, n) for said, n in logged) == [("用过的纸巾", 1), ("过期药品", 1)]


def test_a_sticker_gets_the_text_only_answer(base: str, fake: FakeTelegram) -> None:
    post(base, fake, sticker_update(340))
    [reply] = replies_to(fake, 340)
    assert "文字" in reply["text"]


BAD = [
    ({}, b'{"update_id": 1}', 403),
    ({HEADER: "wrong"}, b'{"update_id": 1}', 403),
    ({HEADER: SECRET + "x"}, b'{"update_id": 1}', 403),
    ({HEADER: SECRET}, b"not json", 400),
    ({HEADER: SECRET}, b"[1, 2]", 400),
    ({HEADER: SECRET}, b'{"message": {"text": "hi"}}', 400),
    ({HEADER: SECRET}, b'{"update_id": 9, "message": {"chat": "nope", "date": "x"}}', 400),
    ({HEADER: SECRET}, "\u00ff".encode("latin-1"), 400),
]


def test_bad_or_foreign_updates_get_a_4xx_without_a_trace(base: str, fake: FakeTelegram) -> None:
    for headers, content, status in BAD:
        r = httpx.post(f"{base}/telegram/webhook", content=content, headers=headers, timeout=30)
        assert r.status_code == status, content
        assert r.json()["detail"] in (telegram_texts.BAD_SECRET, telegram_texts.BAD_UPDATE)
        assert "Traceback" not in r.text
    assert fake.calls_to("sendMessage") == []


def test_without_a_token_the_channel_is_off_and_says_so(
    settings: Settings, factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bot.web.webhooks.telegram"), running_server(settings) as base:
        r = httpx.post(f"{base}/telegram/webhook", json={"update_id": 1}, headers={HEADER: "x"}, timeout=30)
    assert r.status_code == 404 and r.json()["detail"] == telegram_texts.CHANNEL_OFF
    assert any("Telegram channel off" in rec.getMessage() for rec in caplog.records)


def test_an_unreachable_bot_api_leaves_the_web_app_running(
    settings: Settings, factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    from tests.support.server import free_port

    telegram = TelegramSettings(token=TOKEN, base_url=f"http://127.0.0.1:{free_port()}/bot", webhook_secret=SECRET)
    with (
        caplog.at_level(logging.INFO, logger="bot.web.webhooks.telegram"),
        running_server(settings.model_copy(update={"telegram": telegram})) as base,
    ):
        assert httpx.get(f"{base}/healthz", timeout=30).status_code == 200
        r = httpx.post(f"{base}/telegram/webhook", json={"update_id": 1}, headers={HEADER: SECRET}, timeout=30)
    assert r.status_code == 404
    assert any("Telegram channel off" in rec.getMessage() for rec in caplog.records)


def test_a_message_is_answered_logged_and_recorded_in_one_commit(
    base: str, fake: FakeTelegram, tg_settings: Settings, factory: sessionmaker[Session]
) -> None:
    post(base, fake, message_update(360, "电池"))  # snapshot built, pool warm, the chat known
    engine = get_engine(tg_settings.db_url)
    commits: list[int] = []

    def on_commit(*_: object) -> None:
        commits.append(1)

    event.listen(engine, "commit", on_commit)
    try:
        update = {"update_id": fake.new_update_id(), **message_update(360, "用过的纸巾")}
        assert httpx.post(f"{base}/telegram/webhook", json=update, headers={HEADER: SECRET}, timeout=30).is_success
    finally:
        event.remove(engine, "commit", on_commit)
    assert len(commits) == 1
    assert "其他垃圾" in replies_to(fake, 360)[-1]["text"]
    with transaction(factory) as session:
        recorded = session.execute(select(func.count()).where(TelegramUpdate.update_id == update["update_id"]))
        assert recorded.scalar_one() == 1
        logged = session.execute(
            select(func.count()).where(ChatLog.channel == "telegram", ChatLog.text == "用过的纸巾")
        )
        assert logged.scalar_one() == 1


def test_a_dialogue_fault_rolls_its_writes_back_and_still_records_the_update(
    base: str, fake: FakeTelegram, factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Dialogue.respond_in

    def half_then_fail(self: Dialogue, session: Session, message: IncomingMessage) -> object:
        real(self, session, message)  # the turn's rows are written…
        raise RuntimeError("fault after the turn")  # …then something fails before the commit

    monkeypatch.setattr(Dialogue, "respond_in", half_then_fail)
    update = {"update_id": fake.new_update_id(), **message_update(361, "过期药品")}
    assert httpx.post(f"{base}/telegram/webhook", json=update, headers={HEADER: SECRET}, timeout=30).is_success
    monkeypatch.undo()
    assert httpx.post(f"{base}/telegram/webhook", json=update, headers={HEADER: SECRET}, timeout=30).is_success
    assert [p["text"] for p in replies_to(fake, 361)] == [core_texts.INTERNAL_ERROR]  # the redelivery: no second turn
    with transaction(factory) as session:
        logged = session.execute(select(func.count()).where(ChatLog.channel == "telegram", ChatLog.text == "过期药品"))
        assert logged.scalar_one() == 0  # the failed turn's chat log was rolled back
        recorded = session.execute(select(func.count()).where(TelegramUpdate.update_id == update["update_id"]))
        assert recorded.scalar_one() == 1
