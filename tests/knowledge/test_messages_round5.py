"""Issue #13 §2 round 5: messages typed the way residents type — a correction (不对，我说的是…, 不是X是Y), the village
said anywhere in the message, 垃圾 misspelt as 拉鸡, a story before the question, "还有油" inside an item, "这个呢"
with nothing named, a number beyond the options, and the fines and drop-off-time questions."""

from __future__ import annotations

import pytest

from knowledge.context import corrected, points_at_nothing, split_area
from knowledge.core import KnowledgeBase
from knowledge.normalize import normalize
from tests.support.items import bins


@pytest.fixture(scope="module")
def kb(bundled_kb: KnowledgeBase) -> KnowledgeBase:
    """The answer core over the bundled catalogue and rules (SQLite)."""
    return bundled_kb


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("鸡骨头扔哪 不对 我说的是大骨头", "大骨头"),
        ("蛋壳，哦不对，是贝壳", "贝壳"),
        ("不是干电池，是纽扣电池", "纽扣电池"),
        ("我要问的不是电池，是充电宝", "充电宝"),
        ("我说的是花生壳不是核桃壳", "花生壳"),
        ("刚才打错了，我说的是过期药不是过期食品", "过期药"),
    ],
)
def test_a_correction_keeps_only_the_item_meant(said: str, meant: str) -> None:
    assert corrected(normalize(said)) == meant


@pytest.mark.parametrize(
    "said", ["塑料袋是不是可回收", "是塑料的", "是可回收的吗", "塑料瓶放蓝色桶对不对啊", "不是说电池是有害垃圾吗"]
)
def test_questions_that_only_look_like_corrections_are_left_alone(said: str) -> None:
    assert corrected(normalize(said)) == normalize(said)


@pytest.mark.parametrize(
    ("said", "bin_"),
    [
        ("蛋壳，哦不对，是贝壳", "其他垃圾"),
        ("我说的是花生壳不是核桃壳", "厨余垃圾"),
        ("不是干电池，是纽扣电池", "有害垃圾"),
        ("刚才打错了，我说的是过期药不是过期食品", "有害垃圾"),
    ],
)
def test_the_corrected_item_is_answered_alone(kb: KnowledgeBase, said: str, bin_: str) -> None:
    assert bins(kb, said) == [bin_]


@pytest.mark.parametrize(
    ("said", "rest"),
    [
        ("旧衣服往哪放，我住村里", "旧衣服往哪放"),
        ("问一下 俺们村 过期药咋处理", "问一下，过期药怎么处理"),
        ("易拉罐搁哪 俺村哩", "易拉罐放哪"),
        ("村里的大姐问：鸡蛋壳扔哪", "大姐问，鸡蛋壳扔哪"),
    ],
)
def test_the_village_said_anywhere_in_the_message_sets_the_area(said: str, rest: str) -> None:
    assert split_area(normalize(said)) == ("rural", rest)


@pytest.mark.parametrize("said", ["我们村", "村长说塑料瓶卖钱", "新村镇的垃圾站在哪", "庄稼秸秆咋弄"])
def test_a_village_word_that_is_no_area_clause_is_left_alone(said: str) -> None:
    assert split_area(normalize(said))[0] is None


def test_a_village_answer_is_given_in_two_times_four_terms(kb: KnowledgeBase) -> None:
    answer = kb.answer("烟头扔哪 我家在村里", area="urban")
    assert [i.category for i in answer.items] == ["其他垃圾"]
    assert answer.items[0].rural is not None and answer.extra.get("area") == "rural"


@pytest.mark.parametrize(
    ("said", "bin_"),
    [("塑料瓶是什么拉鸡", "可回收物"), ("过期药是有害拉鸡吗", "有害垃圾"), ("旧衣服放哪个垃级桶", "可回收物")],
)
def test_garbage_misspelt_by_sound_is_not_read_as_chicken(kb: KnowledgeBase, said: str, bin_: str) -> None:
    assert bins(kb, said) == [bin_]


def test_a_story_before_the_question_only_says_which_kind(kb: KnowledgeBase) -> None:
    assert bins(kb, "晚上炖了一锅大骨头汤，骨头啃完了，这个骨头扔哪") == ["其他垃圾"]
    assert bins(kb, "我刚买的手机到了，快递纸箱干干净净的，这个箱子扔哪") == ["可回收物"]
    assert len(kb.answer("旧书 旧报纸 旧杂志 扔哪").items) >= 2  # a list without a list word is no story


def test_still_has_oil_inside_is_a_state_not_a_second_item(kb: KnowledgeBase) -> None:
    answer = kb.answer("食用油桶，里面还有油")
    assert [i.category for i in answer.items] == ["其他垃圾"] and not answer.extra.get("unknown")
    assert len(kb.answer("鸡蛋壳还有过期药各扔哪").items) == 2


@pytest.mark.parametrize("said", ["这个呢", "这个扔哪", "那东西是什么垃圾", "它呢"])
def test_pointing_at_nothing_asks_which_item(kb: KnowledgeBase, said: str) -> None:
    assert points_at_nothing(normalize(said))
    answer = kb.answer(said)
    assert answer.intent == "clarify" and "名字" in answer.text and not answer.extra.get("unknown")


def test_a_number_beyond_the_options_picks_none(kb: KnowledgeBase) -> None:
    pending = kb.answer("骨头扔哪").pending
    assert pending is not None
    assert kb.resolve(pending, "10") is None and kb.resolve(pending, "1") is not None


@pytest.mark.parametrize(
    ("said", "key"),
    [("分错了会被罚款不", "fines"), ("乱扔垃圾罚多少钱", "fines"), ("垃圾几点能扔", "scheduled_drop")],
)
def test_fines_and_drop_off_times_are_answered_from_the_faq(kb: KnowledgeBase, said: str, key: str) -> None:
    answer = kb.answer(said)
    assert answer.intent == "faq" and answer.extra.get("faq") == key, answer.text


@pytest.mark.parametrize(("said", "bin_"), [("抽完的🚬扔哪", "其他垃圾"), ("old clothes where", "可回收物")])
def test_an_emoji_cigarette_and_where_in_english(kb: KnowledgeBase, said: str, bin_: str) -> None:
    assert bins(kb, said) == [bin_]
