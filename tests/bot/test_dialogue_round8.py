"""Issue #13 §2 round 8 in a conversation: positions in a list just answered, the area or the city said after the
answer, doubt, "能放一起吗", quantities and yes/no tails after a state, long messages that point back, English
pointing words, and goodbyes said with thanks; none reaches the staff queue or the generic reply."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.dialogue import Dialogue
from tests.support.dialog import T0, bins, play, queued, say


@pytest.fixture
def dialogue(factory: sessionmaker[Session], settings: Settings) -> Dialogue:
    return Dialogue(factory, settings)


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("第二个呢", ["其他垃圾"]),
        ("第1个咋扔", ["厨余垃圾"]),
        ("后面那个呢", ["可回收物"]),
        ("最后一个呢", ["可回收物"]),
        ("中间那个有油呢", ["其他垃圾"]),  # the item in the middle, in the state said of it
    ],
)
def test_a_position_in_the_list_just_answered_is_that_item(
    dialogue: Dialogue, factory: sessionmaker[Session], said: str, expected: list[str]
) -> None:
    assert bins(play(dialogue, "菜叶、大骨头、旧报纸扔哪", said)) == expected
    assert queued(factory) == []


def test_the_list_stays_countable_and_a_position_that_names_none_is_asked_about(dialogue: Dialogue) -> None:
    assert bins(play(dialogue, "易拉罐和快递纸箱扔哪", "后面那个淋湿了呢")) == ["其他垃圾"]
    assert bins(say(dialogue, "第一个呢", at=T0 + dt.timedelta(minutes=5))) == ["可回收物"]
    middle = say(dialogue, "中间那个呢", at=T0 + dt.timedelta(minutes=6))  # of two
    assert middle.answer is not None and middle.answer.intent == "clarify"


def test_the_area_said_after_the_answer_answers_the_item_again_and_is_kept(dialogue: Dialogue) -> None:
    again = play(dialogue, "旧报纸扔哪", "我是村里的")
    assert again.answer is not None and again.answer.intent == "sorting"
    assert [(i.category, i.rural is not None) for i in again.answer.items] == [("可回收物", True)]
    assert "二次四分" in again.text
    later = say(dialogue, "菜叶呢", at=T0 + dt.timedelta(minutes=3))
    assert [(i.category, i.rural is not None) for i in later.answer.items] == [("厨余垃圾", True)]  # type: ignore[union-attr]
    back = say(dialogue, "我住城里", at=T0 + dt.timedelta(minutes=4))
    assert [(i.category, i.rural) for i in back.answer.items] == [("厨余垃圾", None)]  # type: ignore[union-attr]


def test_the_area_alone_with_nothing_asked_before_is_the_command(dialogue: Dialogue) -> None:
    reply = play(dialogue, "我是村里的")
    assert reply.answer is not None and reply.answer.intent == "command"


def test_doubt_with_a_wrong_guess_gets_the_same_bin_and_a_no(dialogue: Dialogue) -> None:
    reply = play(dialogue, "干电池扔哪", "确定吗 不是有害垃圾吗")
    assert bins(reply) == ["其他垃圾"] and "不是有害垃圾" in reply.text


def test_can_they_go_together_compares_the_last_two_items(dialogue: Dialogue) -> None:
    apart = play(dialogue, "菜叶扔哪", "大骨头呢", "能放一起吗")
    assert bins(apart) == ["厨余垃圾", "其他垃圾"] and apart.text.startswith("不能放在一起")
    together = play(dialogue, "旧报纸扔哪", "纸盒呢", "可以放一个桶里吗")
    assert bins(together) == ["可回收物", "可回收物"] and together.text.startswith("可以放在一起")


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (("落叶扔哪", "很多的话呢"), ["园林垃圾"]),
        (("落叶扔哪", "院子里扫了三大袋"), ["园林垃圾"]),
        (("剩饭扔哪", "很多的话呢"), ["厨余垃圾"]),
        (("旧衣服扔哪", "破了的也行吗"), ["可回收物"]),
        (("卫生纸扔哪", "湿了的也一样吗"), ["其他垃圾"]),
    ],
)
def test_a_quantity_or_a_state_with_a_yes_no_tail_is_said_of_the_item(
    dialogue: Dialogue, factory: sessionmaker[Session], said: tuple[str, ...], expected: list[str]
) -> None:
    assert bins(play(dialogue, *said)) == expected
    assert queued(factory) == []


def test_a_long_message_pointing_back_past_the_last_item(dialogue: Dialogue) -> None:
    reply = play(dialogue, "快递纸箱扔哪", "胶带呢", "刚才那个箱子被雨淋湿了还能回收不")
    assert bins(reply) == ["其他垃圾"]


def test_the_same_item_or_plan_question_for_another_city(dialogue: Dialogue) -> None:
    assert bins(play(dialogue, "易拉罐扔哪", "那新密呢")) == ["可回收物"]
    plan = say(dialogue, "新郑生活垃圾回收利用率目标是多少", at=T0 + dt.timedelta(minutes=5))
    assert plan.answer is not None and plan.answer.intent == "policy"
    other = say(dialogue, "新密呢", at=T0 + dt.timedelta(minutes=6))
    assert other.answer is not None and other.answer.intent == "policy" and "新密" in other.text


def test_english_pointing_words_and_a_dialect_choice(dialogue: Dialogue) -> None:
    battery = play(dialogue, "旧手机扔哪", "what about the battery")
    assert bins(battery) == ["有害垃圾"] and not battery.text.startswith("what")
    assert bins(play(dialogue, "电池扔哪", "恁说哩第一种")) == ["其他垃圾"]


@pytest.mark.parametrize(("said", "thanked"), [("谢谢 再见", True), ("好的拜拜", False), ("中 谢了 拜拜", True)])
def test_a_goodbye_with_thanks_or_an_acknowledgement_is_not_queued(
    dialogue: Dialogue, factory: sessionmaker[Session], said: str, thanked: bool
) -> None:
    reply = play(dialogue, "口罩扔哪", said)
    assert reply.answer is not None and reply.answer.intent == "smalltalk"
    assert ("不客气" in reply.text) == thanked
    assert queued(factory) == []


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (("口罩扔哪", "塑料瓶呢", "前面那个脏了呢"), ["其他垃圾"]),  # the item before the last, asked apart
        (("披萨盒扔哪", "干净的", "哦不对，有油的"), ["其他垃圾"]),  # a state corrected
        (("花生壳扔哪", "那核桃的呢"), ["其他垃圾"]),  # another shell: 核桃壳, not 核桃的花生壳
        (("消毒液瓶扔哪", "用完的空瓶子呢"), ["有害垃圾"]),  # the same bottle emptied, not any empty bottle
        (("月饼扔哪", "馅呢"), ["厨余垃圾"]),  # a part no catalogue name covers alone
        (("剩米饭扔哪", "那袋子呢"), ["其他垃圾"]),  # the bag the leftovers were in: soiled
    ],
)
def test_follow_ups_about_the_right_item_in_the_right_state(
    dialogue: Dialogue, factory: sessionmaker[Session], said: tuple[str, ...], expected: list[str]
) -> None:
    assert bins(play(dialogue, *said)) == expected
    assert queued(factory) == []


@pytest.mark.parametrize(
    ("said", "expected", "verdict"),
    [
        (("口罩扔哪", "扔红色垃圾桶吗"), ["其他垃圾"], "不是有害垃圾"),
        (("菜叶扔哪", "放绿色的桶吗"), ["厨余垃圾"], "是的"),
    ],
)
def test_a_bin_colour_in_a_yes_no_follow_up_is_asked_about_the_item(
    dialogue: Dialogue, said: tuple[str, ...], expected: list[str], verdict: str
) -> None:
    reply = play(dialogue, *said)
    assert bins(reply) == expected and reply.text.startswith(verdict), reply.text


@pytest.mark.parametrize(
    ("said", "expected"),
    [(("骨头扔哪", "那鱼缸呢"), ["可回收物"]), (("电池扔哪", "那手机壳呢"), ["其他垃圾"])],
)
def test_another_item_named_while_a_kind_is_asked_is_a_new_question(
    dialogue: Dialogue, said: tuple[str, ...], expected: list[str]
) -> None:
    # 鱼 and 手机 are words of an option (小骨头, 充电电池): the item named is not a kind of the one asked about
    assert bins(play(dialogue, *said)) == expected


@pytest.mark.parametrize("said", ["手机上拆下来的", "遥控器里的", "鸡骨头"])
def test_a_kind_said_with_an_item_word_of_the_option_is_still_the_kind(dialogue: Dialogue, said: str) -> None:
    first = "骨头扔哪" if "骨" in said else "电池扔哪"
    reply = play(dialogue, first, said)
    assert reply.answer is not None and reply.answer.intent == "sorting", reply.text
    assert reply.answer.items[0].name in ("电池", "骨头")
