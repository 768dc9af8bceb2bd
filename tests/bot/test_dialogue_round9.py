"""Issue #13 §2 round 9 in a conversation: 它 and a state after a part question are about the item the part belongs
to, a kind chosen is kept for the state said next, a correction inside a kind reply, a place or "一半" said of the
item, the city in front of an item is not echoed as part of its name, and "转人工" after two unknowns shows under
later answers."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot import handover
from bot.config import Settings
from bot.dialogue import Dialogue
from tests.support.dialog import T0, bins, play, queued, say


@pytest.fixture
def dialogue(factory: sessionmaker[Session], settings: Settings) -> Dialogue:
    return Dialogue(factory, settings)


@pytest.mark.parametrize(
    "said",
    [
        ("感冒药扔哪", "袋子呢", "那它过期了呢"),  # the bag is answered alone; 它 is still the medicine
        ("过期药扔哪", "盒子呢", "说明书呢", "那它没吃完呢"),  # three turns later
        ("过期药扔哪", "盒子呢", "没吃完呢"),  # a state only the medicine can be in, without 它
    ],
)
def test_a_state_after_a_part_question_is_about_the_item_the_part_belongs_to(
    dialogue: Dialogue, factory: sessionmaker[Session], said: tuple[str, ...]
) -> None:
    assert bins(play(dialogue, *said)) == ["有害垃圾"]
    assert not [q for q in queued(factory) if "过期" in q or "吃完" in q]  # the state is answered, not queued


def test_a_cap_is_the_can_s_and_it_then_is_the_can_again(dialogue: Dialogue) -> None:
    assert bins(play(dialogue, "油桶扔哪", "盖子呢")) == ["可回收物"]
    assert bins(say(dialogue, "它里面还有油呢", at=T0 + dt.timedelta(minutes=3))) == ["其他垃圾"]


def test_a_wrapper_of_a_food_is_its_packaging_bag(dialogue: Dialogue) -> None:
    assert bins(play(dialogue, "过期饼干扔哪", "包装呢")) == ["其他垃圾"]


def test_half_left_is_something_left(dialogue: Dialogue) -> None:
    assert bins(play(dialogue, "油桶扔哪", "还有一半油")) == ["其他垃圾"]


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (("杯子扔哪", "陶瓷的", "碎了呢"), ["其他垃圾"]),  # ceramic stays ceramic
        (("杯子扔哪", "玻璃的", "碎了呢"), ["可回收物"]),
        (("遥控器扔哪", "里面的电池呢", "这个没电了呢"), ["其他垃圾"]),  # the remote's dry cell
    ],
)
def test_a_kind_chosen_is_kept_for_the_state_said_next(
    dialogue: Dialogue, said: tuple[str, ...], expected: list[str]
) -> None:
    reply = play(dialogue, *said)
    assert reply.answer is not None and reply.answer.intent == "sorting", reply.text
    assert bins(reply) == expected


def test_a_kind_is_not_kept_for_another_item(dialogue: Dialogue) -> None:
    reply = play(dialogue, "杯子扔哪", "陶瓷的", "那勺子呢")
    assert reply.answer is not None and reply.answer.intent == "clarify"


def test_a_kind_reply_that_denies_one_kind_takes_the_other(dialogue: Dialogue) -> None:
    assert bins(play(dialogue, "电池扔哪", "不是干电池 是充电的")) == ["有害垃圾"]


def test_a_place_said_of_the_item_keeps_it(dialogue: Dialogue, factory: sessionmaker[Session]) -> None:
    assert bins(play(dialogue, "剩饭扔哪", "在单位吃剩的呢")) == ["厨余垃圾"]
    assert queued(factory) == []


@pytest.mark.parametrize("said", ["新密的易拉罐扔哪", "新密市的易拉罐扔哪", "新郑的易拉罐扔哪"])
def test_the_city_in_front_of_an_item_is_not_part_of_its_name(dialogue: Dialogue, said: str) -> None:
    reply = say(dialogue, said)
    assert bins(reply) == ["可回收物"]
    assert reply.answer is not None and reply.answer.items[0].query == "易拉罐"
    assert "密的易拉罐" not in reply.text and "郑的易拉罐" not in reply.text
    follow = say(dialogue, "踩扁了呢", at=T0 + dt.timedelta(minutes=1))
    assert bins(follow) == ["可回收物"] and "密的" not in follow.text


UNKNOWN = "量子纠缠器扔哪"


def test_asking_for_a_person_after_two_unknowns_shows_the_waiting_line_under_later_answers(
    dialogue: Dialogue,
) -> None:
    say(dialogue, UNKNOWN)
    assert "连续两次没能回答" in say(dialogue, "火星土壤扔哪个桶", at=T0 + dt.timedelta(minutes=1)).text
    asked = say(dialogue, "转人工", at=T0 + dt.timedelta(minutes=2))
    assert "已经为您转接人工客服" in asked.text
    answer = say(dialogue, "用过的纸巾扔哪", at=T0 + dt.timedelta(minutes=3))
    assert "其他垃圾" in answer.text and answer.text.endswith(handover.WAITING_LINE)
    assert handover.WAITING_LINE not in say(dialogue, "好的", at=T0 + dt.timedelta(minutes=4)).text


def test_two_unknowns_alone_still_say_the_line_once(dialogue: Dialogue) -> None:
    say(dialogue, UNKNOWN)
    say(dialogue, "火星土壤扔哪个桶", at=T0 + dt.timedelta(minutes=1))
    assert handover.WAITING_LINE not in say(dialogue, "用过的纸巾扔哪", at=T0 + dt.timedelta(minutes=2)).text


@pytest.mark.parametrize("after", [20, 60])
def test_a_state_said_after_the_time_limit_asks_which_thing_and_is_not_queued(
    dialogue: Dialogue, factory: sessionmaker[Session], after: int
) -> None:
    say(dialogue, "纸箱扔哪")
    reply = say(dialogue, "湿了", at=T0 + dt.timedelta(minutes=after))
    assert reply.answer is not None and reply.answer.intent == "clarify" and not reply.answer.items
    assert "“湿了”是哪样东西" in reply.text
    assert queued(factory) == []


def test_a_state_said_first_asks_which_thing_but_other_words_are_no_state(dialogue: Dialogue) -> None:
    reply = say(dialogue, "洗干净了")
    assert reply.answer is not None and reply.answer.intent == "clarify"
    other = say(dialogue, "我走了", user="u2")
    assert other.answer is not None and other.answer.source != "clarify:state_without_item"


def test_what_a_bottle_held_is_the_product_it_was_named_after(dialogue: Dialogue) -> None:
    reply = play(dialogue, "洗发水瓶扔哪", "里面的呢")
    assert reply.answer is not None and [i.name for i in reply.answer.items] == ["洗发水"]
    can = play(dialogue, "罐头扔哪", "罐子呢", "里面的呢")  # a 罐头's contents are no 罐头: not answered as the can
    assert can.answer is not None and "可回收物" not in [i.category for i in can.answer.items]


def test_it_alone_after_an_acknowledgement_asks_which_thing(dialogue: Dialogue, factory: sessionmaker[Session]) -> None:
    reply = play(dialogue, "过期药扔哪", "盒子呢", "好的", "那它呢")
    assert reply.answer is not None and reply.answer.intent == "clarify" and not reply.answer.items
    assert queued(factory) == []
