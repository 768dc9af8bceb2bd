"""The channel-agnostic conversation, with its state in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db import transaction
from bot.dialogue import Dialogue
from bot.models import ChatLog, ConversationState
from campaigns.models import Resident
from knowledge.models import Unanswered
from tests.support.dialog import T0, say, verify_dialog


@pytest.fixture
def dialogue(factory: sessionmaker[Session], settings: Settings) -> Dialogue:
    return Dialogue(factory, settings)


def test_clarification_is_answered_by_the_next_message(dialogue: Dialogue) -> None:
    verify_dialog(
        dialogue,
        [
            ("电池扔哪个桶？", ["哪种电池", "1", "2"]),
            ("2", ["有害垃圾"]),
            ("电池呢", ["哪种电池"]),
            ("普通的5号电池", ["其他垃圾"]),
        ],
    )


def test_clarification_state_survives_a_new_dialogue_object(factory: sessionmaker[Session], settings: Settings) -> None:
    first = Dialogue(factory, settings)
    assert say(first, "电池").answer.intent == "clarify"  # type: ignore[union-attr]
    second = Dialogue(factory, settings)  # another worker process, same database
    reply = say(second, "充电的")
    assert reply.answer is not None and reply.answer.intent == "sorting"
    assert "有害垃圾" in reply.text


def test_a_new_question_replaces_a_pending_clarification(dialogue: Dialogue, factory: sessionmaker[Session]) -> None:
    say(dialogue, "电池")
    reply = say(dialogue, "用过的纸巾扔哪")
    assert "其他垃圾" in reply.text
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(ConversationState)) == 0


def test_clarification_expires(dialogue: Dialogue) -> None:
    say(dialogue, "电池", user="late")
    reply = say(dialogue, "2", user="late", at=T0 + dt.timedelta(hours=2))
    assert "有害垃圾" not in reply.text


def test_clarification_state_is_per_resident(dialogue: Dialogue) -> None:
    say(dialogue, "电池", user="a")
    assert "有害垃圾" not in say(dialogue, "2", user="b").text
    assert "有害垃圾" in say(dialogue, "2", user="a").text


def test_rural_setting_is_kept_and_changes_the_answer(dialogue: Dialogue, factory: sessionmaker[Session]) -> None:
    verify_dialog(
        dialogue,
        [
            ("香蕉皮", ["厨余垃圾"]),
            ("我在农村", ["二次四分"]),
            ("香蕉皮", ["会烂"]),
            ("塑料瓶", ["不会烂", "好卖"]),
            ("我在城区", ["四分类"]),
            ("香蕉皮", ["厨余垃圾"]),
        ],
        user="farmer",
    )
    with transaction(factory) as session:
        assert session.scalar(select(Resident.area)) == "urban"


def test_unknown_question_is_recorded_for_staff(dialogue: Dialogue, factory: sessionmaker[Session]) -> None:
    for _ in range(3):
        reply = say(dialogue, "量子纠缠器扔哪个桶")
        assert "不确定" in reply.text
    with transaction(factory) as session:
        row = session.scalar(select(Unanswered))
        assert row is not None and row.count == 3 and "量子纠缠器" in row.text
        assert session.scalar(select(func.count()).select_from(ChatLog)) == 3


def test_residents_are_created_once_per_channel_identity(dialogue: Dialogue, factory: sessionmaker[Session]) -> None:
    say(dialogue, "你好", user="x")
    say(dialogue, "谢谢", user="x")
    say(dialogue, "你好", user="x", channel="console")
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(Resident)) == 2


def test_a_fault_becomes_a_polite_reply(dialogue: Dialogue, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(dialogue.knowledge, "get", broken)
    reply = say(dialogue, "纸巾")
    assert "稍后再试" in reply.text
    assert "Traceback" not in reply.text and "fire" not in reply.text


def test_survey_answers_are_not_kept_in_the_chat_log(dialogue: Dialogue, factory: sessionmaker[Session]) -> None:
    started = say(dialogue, "调查", user="anon")
    assert started.choices  # the first question offers its options
    say(dialogue, "1", user="anon")
    with transaction(factory) as session:
        texts = list(session.scalars(select(ChatLog.text).where(ChatLog.channel == "web")))
    assert "1" not in texts
    assert "调查" not in texts
