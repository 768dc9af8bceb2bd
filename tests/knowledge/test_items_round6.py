"""Issue #13, round 6: plural and quantity words after a name, state clauses after it (掐灭了, 砸开了, 涂层掉了), and
everyday words the catalogue does not name, answered from rules with sources."""

from __future__ import annotations

import pytest

from knowledge.core import KnowledgeBase
from tests.support.items import bins


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("旧手机们", "可回收物"),
        ("口罩们", "其他垃圾"),
        ("旧报纸一摞", "可回收物"),
        ("药盒子们", "可回收物"),
        ("各种瓶子", "可回收物"),
    ],
)
def test_plural_or_quantity_after_a_name_is_the_name(bundled_kb: KnowledgeBase, text: str, expected: str) -> None:
    assert bins(bundled_kb, text) == [expected]


def test_plural_of_a_name_with_kinds_still_asks_which(bundled_kb: KnowledgeBase) -> None:
    assert bundled_kb.answer("电池们").intent == "clarify"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("烟头掐灭了", "其他垃圾"),
        ("椰子壳砸开了", "其他垃圾"),
        ("不粘锅涂层掉了", "可回收物"),
        ("没电的充电宝", "有害垃圾"),
        ("没气的打火机", "其他垃圾"),
    ],
)
def test_state_said_around_a_name_keeps_its_bin(bundled_kb: KnowledgeBase, text: str, expected: str) -> None:
    assert bins(bundled_kb, text) == [expected]


@pytest.mark.parametrize(
    "text",
    ["怡宝", "雪碧", "蒙牛", "青岛啤酒", "雪花啤酒", "康师傅冰红茶", "百事可乐", "旺仔牛奶"],
)
def test_a_drink_brand_said_alone_is_its_empty_bottle_or_can(bundled_kb: KnowledgeBase, text: str) -> None:
    answer = bundled_kb.answer(text)
    assert [i.category for i in answer.items] == ["可回收物"], (text, answer.text)
    assert "倒" in answer.text  # the tip says to pour out what is left


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("可乐", "厨余垃圾"),  # the drink itself, as the catalogue says: no brand, no bottle
        ("喝剩的可乐", "厨余垃圾"),
        ("康师傅泡面桶", "其他垃圾"),  # the brand of a noodle cup is not a drink
    ],
)
def test_a_brand_rule_does_not_read_other_things(bundled_kb: KnowledgeBase, text: str, expected: str) -> None:
    assert bins(bundled_kb, text) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("钉子", "可回收物"),
        ("铁勺", "可回收物"),
        ("凉鞋", "可回收物"),
        ("A4", "可回收物"),
        ("N95", "其他垃圾"),
        ("耳温枪", "可回收物"),
        ("搪瓷缸子掉瓷了", "可回收物"),  # enamel on steel is metal, not ceramic
    ],
)
def test_everyday_words_the_catalogue_lacks_get_a_rule(bundled_kb: KnowledgeBase, text: str, expected: str) -> None:
    answer = bundled_kb.answer(text)
    assert [i.category for i in answer.items] == [expected], (text, answer.text)
    assert answer.source.startswith("generalise.yaml#")


@pytest.mark.parametrize(
    ("text", "entry", "expected"),
    [
        ("洗发水用完的空瓶", "洗发水瓶", "可回收物"),  # the state said between the product and its bottle
        ("用完的洁厕灵空瓶子扔哪", "洁厕灵", "可回收物"),  # 郑州's rule reads 空 as the rinsed empty bottle
        ("农药空瓶子", "农药瓶", "有害垃圾"),
    ],
)
def test_a_product_before_its_empty_bottle_is_that_bottle(
    bundled_kb: KnowledgeBase, text: str, entry: str, expected: str
) -> None:
    answer = bundled_kb.answer(text)
    assert [(i.name, i.category) for i in answer.items] == [(entry, expected)], (text, answer.text)


def test_village_before_a_sorting_question_answers_in_rural_terms(bundled_kb: KnowledgeBase) -> None:
    answer = bundled_kb.answer("村里头的塑料瓶扔哪")
    assert answer.extra.get("area") == "rural"
    assert answer.items[0].category == "可回收物" and answer.items[0].rural is not None


@pytest.mark.parametrize("text", ["村里的大喇叭说啥", "农村垃圾怎么分类"])
def test_a_message_about_the_village_itself_sets_no_area(bundled_kb: KnowledgeBase, text: str) -> None:
    assert bundled_kb.answer(text).extra.get("area") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("过期的花生油", "厨余垃圾"),  # a kind of cooking oil is household waste oil (local rule 废弃食用油)
        ("用剩的香油", "厨余垃圾"),
        ("电动牙刷的刷头", "其他垃圾"),
        ("衣挂", "可回收物"),
        ("is a power bank hazardous", "有害垃圾"),
        ("banana peel pls", "厨余垃圾"),
    ],
)
def test_more_ways_residents_name_items(bundled_kb: KnowledgeBase, text: str, expected: str) -> None:
    assert bins(bundled_kb, text) == [expected]


def test_english_lipstick_is_the_lipstick_rule_hedged(bundled_kb: KnowledgeBase) -> None:
    """Round 15 (unconf15) hedges 口红 (郑州 unsettled for cosmetics): the English name still reaches that rule."""
    answer = bundled_kb.answer("lipstick")
    assert answer.extra.get("hedged") == ["口红"] and "其他垃圾" in answer.text, answer.text


def test_an_oil_bottle_is_still_the_bottle(bundled_kb: KnowledgeBase) -> None:
    assert bins(bundled_kb, "花生油桶") == ["可回收物"]


def test_when_is_collection_is_the_drop_off_faq(bundled_kb: KnowledgeBase) -> None:
    answer = bundled_kb.answer("垃圾几点收啊")
    assert answer.intent == "faq" and "定时定点" in answer.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("钱包", "可回收物"),  # the imported list's 皮包
        ("门禁卡", "可回收物"),  # its 公交卡, 会员卡
        ("门帘", "可回收物"),  # local 窗帘
        ("竹坐垫", "其他垃圾"),  # the imported row for the bamboo one still stands
    ],
)
def test_everyday_words_follow_their_nearest_listed_kind(bundled_kb: KnowledgeBase, text: str, expected: str) -> None:
    assert bins(bundled_kb, text) == [expected]


def test_a_walking_stick_asks_for_its_material(bundled_kb: KnowledgeBase) -> None:
    assert bundled_kb.answer("拐杖").intent == "clarify"
    assert bins(bundled_kb, "铝合金拐杖") == ["可回收物"]
    assert bins(bundled_kb, "木头拐杖") == ["其他垃圾"]


def test_torn_spring_couplets_are_not_guessed(bundled_kb: KnowledgeBase) -> None:
    assert bundled_kb.answer("请问过年撕下来的春联搁哪个桶").intent != "sorting"  # glued, torn: not clean paper


@pytest.mark.parametrize(
    ("text", "entry", "expected"),
    [
        ("买菜的塑料袋干净的", "塑料袋", "可回收物"),  # what it carried says nothing; 干净 after the name decides
        ("泡沫箱有鱼腥味", "泡沫箱", "其他垃圾"),  # the local rule reads 腥
        ("纸箱干净", "快递纸箱", "可回收物"),
    ],
)
def test_a_state_after_the_name_reaches_the_local_rule(
    bundled_kb: KnowledgeBase, text: str, entry: str, expected: str
) -> None:
    answer = bundled_kb.answer(text)
    assert [(i.name, i.category) for i in answer.items] == [(entry, expected)], (text, answer.text)


@pytest.mark.parametrize("text", ["用完的药膏管", "药膏管"])
def test_a_medicine_tube_goes_with_the_medicine(bundled_kb: KnowledgeBase, text: str) -> None:
    assert bins(bundled_kb, text) == ["有害垃圾"]


def test_a_tube_of_something_harmless_is_not_made_hazardous(bundled_kb: KnowledgeBase) -> None:
    assert bins(bundled_kb, "牙膏管") == ["其他垃圾"]


def test_cut_flower_stems_are_household_flowers(bundled_kb: KnowledgeBase) -> None:
    assert bins(bundled_kb, "剪下来的一把花枝") == ["厨余垃圾"]


def test_space_separated_names_may_start_with_a_number(bundled_kb: KnowledgeBase) -> None:
    answer = bundled_kb.answer("充电宝 纽扣电池 5号电池")
    assert [(i.query, i.category) for i in answer.items] == [
        ("充电宝", "有害垃圾"),
        ("纽扣电池", "有害垃圾"),
        ("5号电池", "其他垃圾"),
    ]


def test_hometown_village_before_a_question_answers_in_rural_terms(bundled_kb: KnowledgeBase) -> None:
    answer = bundled_kb.answer("老家村里 旧衣裳往哪搁")
    assert answer.extra.get("area") == "rural" and answer.items[0].rural is not None


@pytest.mark.parametrize(("text", "expected"), [("big bones", "其他垃圾"), ("small bones", "厨余垃圾")])
def test_english_bone_sizes(bundled_kb: KnowledgeBase, text: str, expected: str) -> None:
    assert bins(bundled_kb, text) == [expected]


@pytest.mark.parametrize("text", ["84", "过期的84"])
def test_a_number_that_names_a_product_is_answered(bundled_kb: KnowledgeBase, text: str) -> None:
    assert bins(bundled_kb, text) == ["有害垃圾"]  # the 84 disinfectant


def test_a_plain_number_is_still_no_item(bundled_kb: KnowledgeBase) -> None:
    assert bundled_kb.answer("2").intent != "sorting"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("八宝粥罐", "可回收物"), ("空的八宝粥罐", "可回收物"), ("咖啡罐", "可回收物"), ("陶瓷罐", "其他垃圾")],
)
def test_an_empty_food_can_is_metal(bundled_kb: KnowledgeBase, text: str, expected: str) -> None:
    assert bins(bundled_kb, text) == [expected]


@pytest.mark.parametrize("text", ["垃圾统一放哪里", "青岛", "哈尔滨", "光明", "康师傅"])
def test_a_brand_that_is_also_a_place_or_a_word_is_not_a_bottle_alone(bundled_kb: KnowledgeBase, text: str) -> None:
    answer = bundled_kb.answer(text)
    assert "可回收物" not in [i.category for i in answer.items], (text, answer.source)
