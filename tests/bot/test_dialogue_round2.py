"""#13 round 2 in a conversation (state in the database): a number nobody asked for, a described follow-up."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db import transaction
from bot.dialogue import Dialogue
from knowledge.models import Unanswered
from tests.support.dialog import T0, say, verify_dialog


@pytest.fixture
def dialogue(factory: sessionmaker[Session], settings: Settings) -> Dialogue:
    return Dialogue(factory, settings)


def test_a_number_after_a_plain_answer_asks_what_about_the_item(
    dialogue: Dialogue, factory: sessionmaker[Session]
) -> None:
    verify_dialog(dialogue, [("剩饭扔哪", ["厨余垃圾"])])
    reply = say(dialogue, "2")
    assert reply.answer is not None and reply.answer.intent == "clarify"
    assert "没有让您选序号" in reply.text and "剩饭" in reply.text
    verify_dialog(dialogue, [("有油的", ["厨余垃圾"])])  # the item is still remembered after the number
    with transaction(factory) as session:
        assert list(session.scalars(select(Unanswered.text))) == []


def test_a_number_with_nothing_asked_is_asked_back_and_an_expired_question_says_so(
    dialogue: Dialogue, factory: sessionmaker[Session]
) -> None:
    fresh = say(dialogue, "2", user="fresh")
    assert fresh.answer is not None and fresh.answer.intent == "clarify" and "没有给出可选的序号" in fresh.text
    say(dialogue, "电池", user="slow")
    late = say(dialogue, "2", user="slow", at=T0 + dt.timedelta(hours=2))  # the 30-minute question has expired
    assert late.answer is not None and late.answer.intent == "smalltalk" and "过期" in late.text
    with transaction(factory) as session:
        assert list(session.scalars(select(Unanswered.text))) == []


@pytest.mark.parametrize(
    ("item", "described", "bin_"),
    [("瓶子", "装过农药的", "有害垃圾"), ("快递袋", "粘满胶带的", "其他垃圾")],
)
def test_a_described_follow_up_answers_the_one_item(dialogue: Dialogue, item: str, described: str, bin_: str) -> None:
    say(dialogue, f"{item}扔哪")
    reply = say(dialogue, described)
    assert reply.answer is not None and reply.answer.intent == "sorting"
    assert [i.category for i in reply.answer.items] == [bin_], reply.text


def test_the_state_question_of_an_unsettled_item_is_answered_by_number(dialogue: Dialogue) -> None:
    question = say(dialogue, "外卖盒扔哪")
    assert question.answer is not None and question.answer.intent == "clarify"
    verify_dialog(dialogue, [("9", ["请回复 1 到 2"]), ("1", ["其他垃圾"])])
