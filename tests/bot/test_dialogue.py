"""The channel-agnostic conversation, with its state in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.admin import overview
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
        # the question is gone; what stays is the item just answered, for a follow-up
        assert list(session.scalars(select(ConversationState.kind))) == ["context"]


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


# --- a real conversation (issue #13 §2) ---------------------------------------------------------------------------


def test_follow_ups_are_read_with_the_item_just_asked_about(dialogue: Dialogue) -> None:
    verify_dialog(
        dialogue,
        [
            ("薯片扔哪", ["厨余垃圾"]),
            ("那个袋子呢", ["薯片袋子", "其他垃圾"]),
            ("外卖餐盒扔哪", ["其他垃圾"]),
            ("已经洗过了", ["可回收物"]),
            ("塑料袋咋整", ["可回收物"]),
            ("谢谢", ["不客气"]),  # thanks in between keep the item
            ("有油的", ["其他垃圾"]),
            ("香蕉", ["厨余垃圾"]),
            ("皮呢", ["香蕉皮", "厨余垃圾"]),
        ],
    )


def test_a_follow_up_is_logged_as_the_question_it_asked(dialogue: Dialogue, factory: sessionmaker[Session]) -> None:
    say(dialogue, "泡面")
    say(dialogue, "那桶呢")
    with transaction(factory) as session:
        assert list(session.scalars(select(ChatLog.text).order_by(ChatLog.id))) == ["泡面", "泡面桶"]


def test_the_item_context_expires(dialogue: Dialogue) -> None:
    say(dialogue, "薯片", user="slow")
    reply = say(dialogue, "那个袋子呢", user="slow", at=T0 + dt.timedelta(minutes=20))
    assert "薯片" not in reply.text


def test_an_out_of_range_choice_or_none_of_them_asks_again(dialogue: Dialogue) -> None:
    verify_dialog(
        dialogue,
        [
            ("电池扔哪", ["哪种电池"]),
            ("5", ["1 到 2", "哪种电池", "回复数字"]),
            ("都不是", ["不知道", "哪种电池"]),
            ("第三个", ["1 到 2"]),
            ("充电的", ["有害垃圾"]),
            ("骨头", ["大骨头", "小骨头"]),
            ("大的", ["其他垃圾"]),
        ],
    )


def test_an_area_said_in_a_question_answers_for_it_and_is_remembered(
    dialogue: Dialogue, factory: sessionmaker[Session]
) -> None:
    verify_dialog(
        dialogue,
        [
            ("我住村里，剩饭咋弄", ["会烂", "厨余垃圾"]),
            ("塑料瓶呢", ["不会烂", "好卖"]),
        ],
        user="villager",
    )
    with transaction(factory) as session:
        assert session.scalar(select(Resident.area)) == "rural"


def test_pinyin_english_and_emoji_are_understood(dialogue: Dialogue) -> None:
    verify_dialog(
        dialogue,
        [
            ("kou zhao reng na", ["口罩", "其他垃圾"]),
            ("plastic bottle", ["塑料瓶", "可回收物"]),
            ("🍌皮扔哪", ["香蕉皮", "厨余垃圾"]),
            ("sù liào dài", ["塑料袋"]),
        ],
    )


def test_choice_replies_and_acknowledgements_stay_out_of_the_queue_and_top_questions(
    dialogue: Dialogue, factory: sessionmaker[Session]
) -> None:
    for said in ("电池", "2", "第一个", "中", "好嘞", "3", "都不是", "👍", "嗯嗯好的"):
        say(dialogue, said)
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(Unanswered)) == 0
        top = dict(overview.top_questions(session, since=T0 - dt.timedelta(days=1)))
    assert top == {"电池": 1}
