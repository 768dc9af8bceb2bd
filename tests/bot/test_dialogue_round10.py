"""Issue #13 §2 round 10 in a conversation: a stain or leftover said after an item is its state (never the stain as a
new item), an amount or origin the item's rule reads keeps the item, a cost question answers the item again, and a
state said of the latest of two items."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.dialogue import Dialogue
from tests.support.dialog import bins, play, queued


@pytest.fixture
def dialogue(factory: sessionmaker[Session], settings: Settings) -> Dialogue:
    return Dialogue(factory, settings)


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (("快递纸箱扔哪", "要是沾上菜汤了呢"), ["其他垃圾"]),
        (("报纸扔哪", "沾了狗屎的呢"), ["其他垃圾"]),
        (("纸箱扔哪", "里面沾了猫砂呢"), ["其他垃圾"]),
        (("油桶扔哪", "盖子呢", "它里面还有油呢"), ["其他垃圾"]),  # 它 after the cap: the can, with oil left
    ],
)
def test_a_stain_or_leftover_is_a_state_of_the_item(
    dialogue: Dialogue, said: tuple[str, ...], expected: list[str]
) -> None:
    reply = play(dialogue, *said)
    assert bins(reply) == expected, reply.text
    assert "不确定" not in reply.text


def test_a_carton_with_milk_left_asks_emptied_or_not(dialogue: Dialogue) -> None:
    reply = play(dialogue, "牛奶盒扔哪", "里面还有奶没喝完")  # round 13: pour it out, then rinsed or not decides
    assert reply.answer is not None and reply.answer.intent == "clarify", reply.text
    assert "不确定" not in reply.text


def test_a_stain_no_rule_reads_is_not_answered_as_the_stain(dialogue: Dialogue) -> None:
    reply = play(dialogue, "旧衣服扔哪", "要是沾了油漆呢")
    assert reply.answer is not None and reply.answer.intent == "unknown", reply.text  # not 油漆's 有害垃圾
    assert "沾了油漆的旧衣服" in reply.text


def test_an_amount_and_origin_keep_the_twigs(dialogue: Dialogue, factory: sessionmaker[Session]) -> None:
    assert bins(play(dialogue, "树枝扔哪", "就几根，阳台剪的")) == ["厨余垃圾"]
    assert queued(factory) == []


def test_an_amount_by_the_cartload_is_garden_waste(dialogue: Dialogue) -> None:
    assert bins(play(dialogue, "树枝扔哪", "就几根，阳台剪的", "要是小区修剪的一大车呢")) == ["园林垃圾"]


def test_the_blister_of_a_medicine_named_by_its_material(dialogue: Dialogue) -> None:
    assert bins(play(dialogue, "过期的布洛芬扔哪", "那个铝塑板呢")) == ["有害垃圾"]
    assert bins(play(dialogue, "过期的布洛芬扔哪", "那个铝塑板呢", "说明书呢")) == ["可回收物"]


@pytest.mark.parametrize(
    "said", [("旧床垫咋扔", "要钱不"), ("旧沙发扔哪", "上门收要收费吗"), ("旧床垫扔哪", "好的谢谢", "那收费不")]
)
def test_a_cost_question_is_about_the_item(
    dialogue: Dialogue, factory: sessionmaker[Session], said: tuple[str, ...]
) -> None:
    reply = play(dialogue, *said)
    assert bins(reply) == ["大件垃圾"] and "物业或社区" in reply.text
    assert queued(factory) == []


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (("玻璃瓶扔哪", "纸箱扔哪", "它被雨淋了呢"), ["其他垃圾"]),  # 它 = the box, the latest
        (("快递纸箱扔哪", "易拉罐扔哪", "它被踩扁了呢"), ["可回收物"]),  # 它 = the can, not the wet-able box
        (("油桶扔哪", "盖子呢", "那纸箱呢", "它湿了呢"), ["其他垃圾"]),  # the box got wet, not the oil can
        (("油桶扔哪", "盖子呢", "它里面还有油呢"), ["其他垃圾"]),  # oil left: the can, the cap's owner
    ],
)
def test_it_after_two_items_is_the_latest(dialogue: Dialogue, said: tuple[str, ...], expected: list[str]) -> None:
    assert bins(play(dialogue, *said)) == expected


def test_a_box_after_a_cap_is_not_made_oily_by_the_can_s_name(dialogue: Dialogue) -> None:
    assert bins(play(dialogue, "油桶扔哪", "盖子呢", "那纸箱呢")) == ["可回收物"]  # not "油桶纸箱" read as oily


def test_a_kind_chosen_is_kept_when_a_stain_is_said_next(dialogue: Dialogue) -> None:
    reply = play(dialogue, "筷子扔哪", "不锈钢的", "要是沾了油呢")
    assert reply.answer is not None and reply.answer.intent == "sorting", reply.text  # not the kind question again
    assert bins(reply) == ["可回收物"]
