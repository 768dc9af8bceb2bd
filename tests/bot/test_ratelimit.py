"""The chat rate limit: a flooding resident is told once to slow down, others are unaffected, all processes agree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot import texts
from bot.config import ChatSettings, Settings
from bot.db import transaction
from bot.dialogue import Dialogue, IncomingMessage
from bot.models import ChatLog
from bot.web.app import create_app
from knowledge.models import Unanswered
from tests.support.dialog import T0


def limited(settings: Settings, per_minute: int) -> Settings:
    return settings.model_copy(update={"chat": ChatSettings(rate_per_minute=per_minute)})


def send(dialogue: Dialogue, text: str, *, user: str = "flood", at: dt.datetime = T0) -> list[str]:
    return [r.text for r in dialogue.handle(IncomingMessage("web", user, text, at))]


def count(factory: sessionmaker[Session], model: type[ChatLog] | type[Unanswered]) -> int:
    with transaction(factory) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_flood_gets_one_notice_then_silence_and_others_are_answered(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    dialogue = Dialogue(factory, limited(settings, 3))
    for i in range(3):
        [answer] = send(dialogue, "电池", at=T0 + dt.timedelta(seconds=i))
        assert answer != texts.RATE_LIMITED
    assert send(dialogue, "电池", at=T0 + dt.timedelta(seconds=3)) == [texts.RATE_LIMITED]
    for i in range(4, 40):
        assert send(dialogue, "电池", at=T0 + dt.timedelta(seconds=i)) == []
    [other] = send(dialogue, "用过的纸巾扔哪个桶", user="neighbour", at=T0 + dt.timedelta(seconds=40))
    assert "其他垃圾" in other
    assert dialogue.outcomes.snapshot()["ratelimited"] == 1
    assert dialogue.outcomes.snapshot()["dropped"] == 36


def test_the_resident_is_answered_again_once_the_minute_frees_up(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    dialogue = Dialogue(factory, limited(settings, 2))
    send(dialogue, "电池")
    send(dialogue, "纸巾", at=T0 + dt.timedelta(seconds=30))
    assert send(dialogue, "纸巾", at=T0 + dt.timedelta(seconds=40)) == [texts.RATE_LIMITED]
    [later] = send(dialogue, "用过的纸巾扔哪个桶", at=T0 + dt.timedelta(seconds=61))
    assert "其他垃圾" in later  # the first message left the window; the notice does not count as an answer


def test_limited_messages_do_not_run_the_matcher_or_reach_the_staff_queue(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    dialogue = Dialogue(factory, limited(settings, 1))
    send(dialogue, "电池")
    before_log, before_queue = count(factory, ChatLog), count(factory, Unanswered)
    for i in range(1, 20):
        send(dialogue, f"完全听不懂的东西{i}号咕噜咕噜", at=T0 + dt.timedelta(seconds=i))
    assert count(factory, Unanswered) == before_queue
    assert count(factory, ChatLog) == before_log + 1  # only the one notice is logged


def test_the_limit_is_shared_by_several_processes(factory: sessionmaker[Session], settings: Settings) -> None:
    first, second = Dialogue(factory, limited(settings, 4)), Dialogue(factory, limited(settings, 4))
    for i in range(4):
        worker = first if i % 2 else second
        assert send(worker, "电池", at=T0 + dt.timedelta(seconds=i)) != [texts.RATE_LIMITED]
    assert send(first, "电池", at=T0 + dt.timedelta(seconds=5)) == [texts.RATE_LIMITED]
    assert send(second, "电池", at=T0 + dt.timedelta(seconds=6)) == []  # the other worker knows it was said


def test_events_pass_a_limited_resident(factory: sessionmaker[Session], settings: Settings) -> None:
    dialogue = Dialogue(factory, limited(settings, 1))
    send(dialogue, "订阅")
    send(dialogue, "电池", at=T0 + dt.timedelta(seconds=1))
    replies = dialogue.handle(
        IncomingMessage("web", "flood", "", T0 + dt.timedelta(seconds=2), kind="event", event="unsubscribe")
    )
    assert replies and replies[0].text != texts.RATE_LIMITED


def test_zero_turns_the_limit_off(factory: sessionmaker[Session], settings: Settings) -> None:
    dialogue = Dialogue(factory, limited(settings, 0))
    for i in range(40):
        assert send(dialogue, "电池", at=T0 + dt.timedelta(seconds=i)) != [texts.RATE_LIMITED]


def test_the_limit_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WUFEI_CHAT__RATE_PER_MINUTE", "7")
    assert Settings().chat.rate_per_minute == 7


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(limited(settings, 2))) as c:
        yield c


def test_the_web_chat_is_rate_limited_per_user(client: TestClient) -> None:
    for _ in range(2):
        assert client.post("/api/chat", json={"user": "spam", "text": "电池"}).json()["replies"][0]["text"]
    notice = client.post("/api/chat", json={"user": "spam", "text": "电池"})
    assert notice.status_code == 200
    assert notice.json() == {"replies": [{"text": texts.RATE_LIMITED, "choices": []}], "answer": None}
    silent = client.post("/api/chat", json={"user": "spam", "text": "电池"})
    assert silent.status_code == 200
    assert silent.json() == {"replies": [], "answer": None}
    other = client.post("/api/chat", json={"user": "calm", "text": "用过的纸巾扔哪个桶?"}).json()
    assert other["answer"]["intent"] == "sorting"
