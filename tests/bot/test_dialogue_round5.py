"""Issue #13 §2 round 5 in a conversation (state in the database, with its time limit): going back to an item named
before the last one, "这个呢" with nothing named, what is left inside, a number beyond the options."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db import transaction
from bot.dialogue import Dialogue
from bot.models import ConversationState
from knowledge.models import Unanswered
from tests.support.dialog import T0, say


@pytest.fixture
def dialogue(factory: sessionmaker[Session], settings: Settings) -> Dialogue:
    return Dialogue(factory, settings)


def bins(dialogue: Dialogue, text: str, *, at: dt.datetime = T0) -> list[str]:
    reply = say(dialogue, text, at=at)
    assert reply.answer is not None and reply.answer.intent == "sorting", (text, reply.text)
    return [i.category for i in reply.answer.items]


def test_a_follow_up_goes_back_to_the_item_before_the_last(dialogue: Dialogue, factory: sessionmaker[Session]) -> None:
    assert bins(dialogue, "快递纸箱扔哪") == ["可回收物"]
    assert bins(dialogue, "胶带呢") == ["其他垃圾"]
    with transaction(factory) as session:
        state = session.scalars(select(ConversationState)).one()
        assert state.payload["earlier"] == ["快递纸箱"]  # the earlier item is kept in the database
    assert bins(dialogue, "那箱子淋湿了呢") == ["其他垃圾"]


def test_the_box_again_after_the_chopsticks(dialogue: Dialogue) -> None:
    say(dialogue, "外卖盒扔哪")  # asks whether it is greasy or washed
    assert bins(dialogue, "一次性筷子呢") == ["其他垃圾"]
    assert bins(dialogue, "盒子洗过了呢") == ["可回收物"]


def test_earlier_items_expire_with_the_conversation(dialogue: Dialogue) -> None:
    say(dialogue, "塑料袋扔哪")  # asks whether it is clean or greasy
    assert bins(dialogue, "纸巾呢") == ["其他垃圾"]
    assert bins(dialogue, "刚才那个袋子有油的") == ["其他垃圾"]
    late = say(dialogue, "刚才那个袋子有油的", at=T0 + dt.timedelta(hours=3))  # the context has expired
    assert late.answer is not None and late.answer.extra.get("follow_up") is None


def test_this_one_with_nothing_named_asks_which_item_and_queues_nothing(
    dialogue: Dialogue, factory: sessionmaker[Session]
) -> None:
    reply = say(dialogue, "这个呢")
    assert reply.answer is not None and reply.answer.intent == "clarify" and "名字" in reply.text
    assert bins(dialogue, "矿泉水瓶") == ["可回收物"]
    with transaction(factory) as session:
        assert list(session.scalars(select(Unanswered.text))) == []


def test_this_one_after_an_item_keeps_the_item(dialogue: Dialogue) -> None:
    bins(dialogue, "外卖盒洗干净了扔哪")
    assert say(dialogue, "这个呢").answer.intent == "clarify"  # type: ignore[union-attr]
    assert bins(dialogue, "有油的") == ["其他垃圾"]  # still about the box


def test_what_is_left_inside_is_a_state(dialogue: Dialogue, factory: sessionmaker[Session]) -> None:
    assert bins(dialogue, "食用油桶扔哪") == ["可回收物"]
    assert bins(dialogue, "里面还有油") == ["其他垃圾"]
    assert say(dialogue, "披萨盒扔哪").answer.intent == "clarify"  # type: ignore[union-attr]  # Round 15: asks
    assert bins(dialogue, "没有油") == ["可回收物"]
    with transaction(factory) as session:
        assert list(session.scalars(select(Unanswered.text))) == []


def test_a_number_beyond_the_options_is_asked_again(dialogue: Dialogue) -> None:
    say(dialogue, "骨头扔哪")
    again = say(dialogue, "10")
    assert again.answer is not None and again.answer.intent == "clarify"
    assert bins(dialogue, "大的") == ["其他垃圾"]


def test_a_correction_in_a_conversation(dialogue: Dialogue) -> None:
    assert bins(dialogue, "充电宝扔哪") == ["有害垃圾"]
    assert bins(dialogue, "不对 我说的是充电器") == ["可回收物"]


@pytest.mark.parametrize(("item", "bin_"), [("旧手机", "有害垃圾"), ("遥控器", "其他垃圾")])
def test_the_battery_inside_takes_its_kind_from_the_item(dialogue: Dialogue, item: str, bin_: str) -> None:
    bins(dialogue, f"{item}扔哪")
    assert bins(dialogue, "里面的电池呢") == [bin_]
