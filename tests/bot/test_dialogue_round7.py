"""Issue #13 §2 round 7 in a conversation: choices, "none of them" and acknowledgements said the many ways residents
say them; none reaches the staff queue or the generic reply."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.dialogue import Dialogue
from tests.support.dialog import queued, say


@pytest.fixture
def dialogue(factory: sessionmaker[Session], settings: Settings) -> Dialogue:
    return Dialogue(factory, settings)


@pytest.mark.parametrize(
    ("said", "bin_"),
    [
        ("我选二", "有害垃圾"),
        ("应该是第二个吧", "有害垃圾"),
        ("2 谢谢", "有害垃圾"),
        ("好的 选2", "有害垃圾"),
        ("后面那个", "有害垃圾"),  # the last option, whatever its number
        ("前一个", "其他垃圾"),
        ("就第一个", "其他垃圾"),
    ],
)
def test_a_choice_with_words_around_it(
    dialogue: Dialogue, factory: sessionmaker[Session], said: str, bin_: str
) -> None:
    asked = say(dialogue, "电池扔哪")
    assert asked.answer is not None and asked.answer.intent == "clarify"
    reply = say(dialogue, said)
    assert reply.answer is not None and [i.category for i in reply.answer.items] == [bin_], reply.text
    assert queued(factory) == []


@pytest.mark.parametrize("said", ["都不是啊", "两个都不是", "以上都不是", "不是这些", "哪个都不是呀"])
def test_none_of_them_in_other_words_asks_again(dialogue: Dialogue, factory: sessionmaker[Session], said: str) -> None:
    say(dialogue, "骨头扔哪")
    reply = say(dialogue, said)
    assert reply.answer is not None and reply.answer.intent == "clarify", reply.text
    assert reply.answer.choices  # the options again, not the generic reply
    assert queued(factory) == []


def test_a_choice_in_words_with_no_question_open_is_not_queued(
    dialogue: Dialogue, factory: sessionmaker[Session]
) -> None:
    say(dialogue, "易拉罐扔哪")
    reply = say(dialogue, "我选二")
    assert reply.answer is not None and reply.answer.intent != "sorting"
    assert queued(factory) == []


@pytest.mark.parametrize(
    "said", ["谢谢师傅", "行 晓得了", "好的 知道啦", "好哒", "收到 谢谢大姐", "好的老师", "哦 好吧", "学到了", "得嘞"]
)
def test_acknowledgements_keep_the_item_and_reach_no_queue(
    dialogue: Dialogue, factory: sessionmaker[Session], said: str
) -> None:
    say(dialogue, "塑料袋扔哪")
    ack = say(dialogue, said)
    assert ack.answer is not None and ack.answer.intent == "smalltalk", ack.text
    assert queued(factory) == []
    later = say(dialogue, "有油的")  # the item talked about before the acknowledgement is still the context
    assert later.answer is not None and [i.category for i in later.answer.items] == ["其他垃圾"]


def bins(dialogue: Dialogue, text: str) -> list[str]:
    reply = say(dialogue, text)
    assert reply.answer is not None and reply.answer.intent == "sorting", (text, reply.text)
    return [i.category for i in reply.answer.items]


def test_a_kind_said_in_a_follow_up_does_not_stick_to_the_item(dialogue: Dialogue) -> None:
    say(dialogue, "电池扔哪")
    assert bins(dialogue, "手机的") == ["有害垃圾"]
    assert bins(dialogue, "那遥控器的呢") == ["其他垃圾"]
    assert bins(dialogue, "纽扣的呢") == ["有害垃圾"]  # a button cell, not "纽扣的遥控器的电池"


def test_a_state_changed_back(dialogue: Dialogue) -> None:
    say(dialogue, "塑料袋扔哪")
    assert bins(dialogue, "有油的") == ["其他垃圾"]
    assert bins(dialogue, "那没油的呢") == ["可回收物"]


def test_bare_part_words_after_an_item(dialogue: Dialogue) -> None:
    assert bins(dialogue, "奶茶扔哪") == ["其他垃圾"]
    assert bins(dialogue, "珍珠") == ["厨余垃圾"]  # the milk tea's pearls, not a pearl necklace
    assert bins(dialogue, "橘子扔哪") == ["厨余垃圾"]
    reply = say(dialogue, "皮")
    assert reply.answer is not None and [i.query for i in reply.answer.items] == ["橘子皮"]


def test_what_is_inside_the_item(dialogue: Dialogue) -> None:
    say(dialogue, "花盆扔哪")
    assert bins(dialogue, "陶瓷的") == ["其他垃圾"]
    assert bins(dialogue, "里面的土呢") == ["其他垃圾"]


def test_the_empty_can_of_the_spray_just_named(dialogue: Dialogue) -> None:
    assert bins(dialogue, "杀虫剂扔哪") == ["有害垃圾"]
    assert bins(dialogue, "用完了 空罐子") == ["有害垃圾"]  # its can, not any can (可回收物)
    assert bins(dialogue, "农药扔哪") == ["有害垃圾"]
    assert bins(dialogue, "空瓶子呢") == ["有害垃圾"]


def test_follow_ups_said_with_time_words_and_unknown_kinds(dialogue: Dialogue) -> None:
    assert bins(dialogue, "纸箱扔哪") == ["可回收物"]
    assert bins(dialogue, "湿了") == ["其他垃圾"]
    assert bins(dialogue, "那干了以后呢") == ["可回收物"]  # was the generic reply
    say(dialogue, "电池扔哪")
    assert bins(dialogue, "我也不知道是啥电池") == ["有害垃圾"]  # the safest bin, not the same question again
