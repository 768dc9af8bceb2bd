"""Issue #13 §2 round 6 in a conversation: a kind answered with a word that holds a numeral ("一次性的") is that kind,
not choice 1; a state answered in other words ("还有点油") reaches the local rule."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.dialogue import Dialogue
from tests.support.dialog import say


@pytest.fixture
def dialogue(factory: sessionmaker[Session], settings: Settings) -> Dialogue:
    return Dialogue(factory, settings)


def bins(dialogue: Dialogue, text: str) -> list[str]:
    reply = say(dialogue, text)
    assert reply.answer is not None and reply.answer.intent == "sorting", (text, reply.text)
    return [i.category for i in reply.answer.items]


def test_disposable_is_a_kind_not_choice_one(dialogue: Dialogue) -> None:
    asked = say(dialogue, "饭盒扔哪")
    assert asked.answer is not None and asked.answer.intent == "clarify"
    assert bins(dialogue, "一次性的") == ["其他垃圾"]  # option 1 is the reusable box (可回收物)


def test_a_spelled_out_choice_number_is_still_a_choice(dialogue: Dialogue) -> None:
    say(dialogue, "饭盒扔哪")
    assert bins(dialogue, "第一个") == ["可回收物"]


def test_a_little_oil_left_in_the_bottle(dialogue: Dialogue) -> None:
    assert bins(dialogue, "油桶扔哪") == ["可回收物"]
    assert bins(dialogue, "还有点油") == ["其他垃圾"]


@pytest.mark.parametrize("reply", ["没有油 很干净", "挺干净的", "很干净"])
def test_a_clean_state_said_with_degree_words(dialogue: Dialogue, reply: str) -> None:
    assert say(dialogue, "披萨盒扔哪").answer.intent == "clarify"  # type: ignore[union-attr]  # Round 15: asks
    assert bins(dialogue, reply) == ["可回收物"]


def test_a_new_item_is_not_read_as_a_state(dialogue: Dialogue) -> None:
    assert say(dialogue, "披萨盒扔哪").answer.intent == "clarify"  # type: ignore[union-attr]  # Round 15: asks
    assert bins(dialogue, "纸巾呢") == ["其他垃圾"]
    assert bins(dialogue, "那旧报纸呢") == ["可回收物"]


@pytest.mark.parametrize("reply", ["2号的", "二号", "7号"])
def test_a_battery_size_after_which_battery_is_a_dry_cell(dialogue: Dialogue, reply: str) -> None:
    say(dialogue, "电池扔哪")
    assert bins(dialogue, reply) == ["其他垃圾"]  # 2号 is the C size, not choice 2 (rechargeable)


def test_a_bare_two_after_which_battery_is_still_choice_two(dialogue: Dialogue) -> None:
    say(dialogue, "电池扔哪")
    assert bins(dialogue, "2") == ["有害垃圾"]


@pytest.mark.parametrize(("reply", "expected"), [("桃核", "其他垃圾"), ("樱桃核", "厨余垃圾")])
def test_a_kind_named_by_its_own_word_beats_a_label_that_contains_it(
    dialogue: Dialogue, reply: str, expected: str
) -> None:
    say(dialogue, "果核扔哪")
    assert bins(dialogue, reply) == [expected]  # 樱桃核 in the small-pit label contains 桃核


def test_a_rechargeable_battery_of_a_dry_cell_size_is_hazardous(dialogue: Dialogue) -> None:
    say(dialogue, "电池扔哪")
    assert bins(dialogue, "5号充电电池") == ["有害垃圾"]


@pytest.mark.parametrize(("first", "entry"), [("外卖盒扔哪", "外卖袋"), ("快递纸箱扔哪", "快递袋")])
def test_the_bag_of_a_box_is_the_bag_of_what_the_box_held(dialogue: Dialogue, first: str, entry: str) -> None:
    say(dialogue, first)
    reply = say(dialogue, "那袋子呢")
    assert reply.answer is not None and reply.answer.intent == "clarify", reply.text  # the bag's own state question
    assert reply.answer.pending is not None and reply.answer.pending.get("entry") == entry


def test_a_part_of_a_product_still_reads_the_product(dialogue: Dialogue) -> None:
    say(dialogue, "薯片扔哪")
    assert bins(dialogue, "袋子呢") == ["其他垃圾"]
