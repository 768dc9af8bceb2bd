"""Issue #13 §2 round 7: replies to a question said with words around them, acknowledgements with address terms."""

from __future__ import annotations

import pytest

from knowledge.context import LAST, choice_number, dont_know, is_choice_reply, none_of_them
from knowledge.core import KnowledgeBase
from knowledge.normalize import normalize


@pytest.mark.parametrize(
    ("said", "number"),
    [
        ("2", 2),
        ("第二个", 2),
        ("我选二", 2),
        ("应该是第二个吧", 2),
        ("2谢谢", 2),
        ("选第一个", 1),
        ("壹", 1),
        ("后面那个", LAST),
        ("前一个", 1),
        ("十一", 11),
        ("一次性的", None),  # a word holding a numeral
        ("2号电池", None),
        ("两个都不是", None),
        ("中", None),
    ],
)
def test_choice_number(said: str, number: int | None) -> None:
    assert choice_number(said) == number


def test_none_of_them_and_dont_know() -> None:
    assert all(none_of_them(t) for t in ("都不是", "都不是啊", "两个都不是", "以上都不是", "不是这些", "哪个都不是呀"))
    assert not any(none_of_them(t) for t in ("不是电池", "都是", "不是干电池是纽扣电池"))
    assert all(dont_know(t) for t in ("不知道", "我也不知道是哪种", "分不清", "看不出来"))
    assert not dont_know("不知道电池扔哪")
    assert is_choice_reply("我选二") and is_choice_reply("都不是啊") and not is_choice_reply("电池")


@pytest.mark.parametrize(
    "said",
    [
        "谢谢师傅",
        "行 晓得了",
        "好的 知道啦",
        "好哒",
        "收到 谢谢大姐",
        "好的老师",
        "学到了",
        "原来如此",
        "okk",
        "谢啦",
        "嗯呢",
    ],
)
def test_acknowledgements_with_address_terms_are_smalltalk(kb: KnowledgeBase, said: str) -> None:
    assert kb.answer(said).intent == "smalltalk"


@pytest.mark.parametrize("said", ["好的那电池呢", "谢谢 那塑料瓶呢", "师傅电池扔哪"])
def test_an_acknowledgement_with_a_question_is_answered(kb: KnowledgeBase, said: str) -> None:
    assert kb.answer(said).intent in ("sorting", "clarify")


@pytest.mark.parametrize(
    ("said", "bin_"),
    [
        ("没油的塑料袋扔哪", "可回收物"),  # 油 is said, but denied
        ("不干净的塑料袋", "其他垃圾"),  # not the imported name 干净的塑料袋
        ("不太脏的塑料袋", "可回收物"),
        ("塑料袋有点油", "其他垃圾"),
        ("外卖盒不脏", "可回收物"),
    ],
)
def test_a_denied_state_says_the_other_state(kb: KnowledgeBase, said: str, bin_: str) -> None:
    assert [i.category for i in kb.answer(said).items] == [bin_]


@pytest.mark.parametrize(
    ("said", "bins_"),
    [
        ("1.易拉罐 2.烟头 3.剩菜 分别是什么垃圾", ["可回收物", "其他垃圾", "厨余垃圾"]),  # a numbered list
        ("旧床垫能扔其他垃圾桶吗", ["大件垃圾"]),  # the bin is where it would go, not an item
        ("洗衣液用光了 桶扔哪", ["可回收物"]),  # the product's container
        ("药吃完了 瓶子呢", ["有害垃圾"]),
        ("杀虫剂用完了罐子扔哪", ["有害垃圾"]),
    ],
)
def test_message_shapes(kb: KnowledgeBase, said: str, bins_: list[str]) -> None:
    assert [i.category for i in kb.answer(said).items] == bins_


def test_a_village_said_before_a_collection_question(kb: KnowledgeBase) -> None:
    answer = kb.answer("村里头收废品的收不收易拉罐")
    assert [i.category for i in answer.items] == ["可回收物"] and answer.items[0].rural is not None
    assert kb.answer("村里的垃圾车几点来").extra.get("area") is None  # about the village, not where one lives


@pytest.mark.parametrize(
    ("said", "bin_"),
    [
        ("生蚝吃完的壳子是不是厨余", "其他垃圾"),  # the oyster's shell, not a question about 厨余
        ("螃蟹吃剩的壳扔哪", "厨余垃圾"),
        ("jiu4 bao4 zhi3", "可回收物"),  # pinyin with tone numbers
        ("冲过水的外卖打包盒", "可回收物"),  # washed, said another way
    ],
)
def test_more_message_shapes(kb: KnowledgeBase, said: str, bin_: str) -> None:
    assert [i.category for i in kb.answer(said).items] == [bin_]


def test_tone_numbers_leave_model_numbers_alone() -> None:
    assert normalize("cr2032") == "cr2032" and normalize("n95口罩") == "n95口罩"


def test_a_listed_item_is_not_the_kind_of_another(kb: KnowledgeBase) -> None:
    answer = kb.answer("这些东西一起扔行吗：剩菜、骨头、鱼刺")
    assert answer.intent == "clarify"  # which bone: 鱼刺 is an item of the list, not the bone's kind
    assert [i.category for i in answer.items] == ["厨余垃圾", "厨余垃圾"]
    assert [i.category for i in kb.answer("电池扔哪 是充电的").items] == ["有害垃圾"]  # a kind said apart still is


def test_the_thing_itself(kb: KnowledgeBase) -> None:
    assert [i.category for i in kb.answer("充电宝本身扔哪").items] == ["有害垃圾"]


@pytest.mark.parametrize(("said", "query"), [("师傅 狗粮扔哪", "狗粮"), ("嗯……旧拖把咋弄", "旧拖把")])
def test_address_terms_and_pauses_are_not_part_of_the_name(kb: KnowledgeBase, said: str, query: str) -> None:
    assert [i.query for i in kb.answer(said).items] == [query]
