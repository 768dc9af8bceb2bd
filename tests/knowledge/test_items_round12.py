"""Issue #13, round 12 (commonly confused items): a class word guessed after the item, a local rule's name said with
的 before a state clause, a wrapper's position word, a product whose rule reads its own bottle, wilted flowers, a
stained thing a class of clean recyclables does not cover, and toys named after vehicles."""

from __future__ import annotations

import pytest

from knowledge.core import KnowledgeBase
from tests.support.items import answered


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("卫生纸是可回收的纸吗", "其他垃圾"),
        ("用过的餐巾纸是可回收的纸吗", "其他垃圾"),
        ("保鲜膜是可回收的塑料吗", "其他垃圾"),
        ("保鲜膜算可回收塑料吗", "其他垃圾"),
        ("餐巾纸算纸吗", "其他垃圾"),
        ("陶瓷碗算玻璃吗", "其他垃圾"),
        ("陶瓷是不是玻璃一类的", "其他垃圾"),
        ("内裤算旧衣服吗", "其他垃圾"),
    ],
)
def test_a_class_word_after_the_item_is_the_guess_not_the_item(
    bundled_kb: KnowledgeBase, text: str, expected: str
) -> None:
    assert answered(bundled_kb, text)[0] == expected


def test_class_words_alone_or_listed_are_still_items(bundled_kb: KnowledgeBase) -> None:
    assert answered(bundled_kb, "纸")[0] == "可回收物"
    answer = bundled_kb.answer("玻璃瓶和塑料")
    assert [i.category for i in answer.items] == ["可回收物", "可回收物"], answer.text


@pytest.mark.parametrize("text", ["披萨的盒子有油", "吃完披萨的盒子全是油"])
def test_a_rule_name_said_with_de_before_a_state_clause_reads_the_state(bundled_kb: KnowledgeBase, text: str) -> None:
    assert answered(bundled_kb, text) == ("其他垃圾", "local_rules.yaml#披萨盒")


def test_a_soaked_box_said_with_quan_is_wet(bundled_kb: KnowledgeBase) -> None:
    assert answered(bundled_kb, "纸箱全湿了")[0] == "其他垃圾"


def test_where_the_carton_sits_on_a_medicine_says_nothing_of_it(bundled_kb: KnowledgeBase) -> None:
    assert answered(bundled_kb, "感冒药外面的纸盒子，干净的") == ("可回收物", "local_rules.yaml#药盒")


def test_a_cosmetic_bottle_is_read_by_the_cosmetics_rule_for_its_kind(bundled_kb: KnowledgeBase) -> None:
    answer = bundled_kb.answer("粉底液瓶子")
    assert answer.intent == "clarify" and answer.source == "local_rules.yaml#护肤品", answer.text
    assert answered(bundled_kb, "洗干净的粉底液瓶子") == ("可回收物", "local_rules.yaml#护肤品")


@pytest.mark.parametrize("text", ["插花谢了扔哪", "鲜花蔫了", "插花枯了"])
def test_wilted_flowers_are_the_flowers(bundled_kb: KnowledgeBase, text: str) -> None:
    assert answered(bundled_kb, text) == ("厨余垃圾", "local_rules.yaml#鲜花")


@pytest.mark.parametrize("text", ["沾满油漆的旧衣服扔哪", "沾满油的旧衣服"])
def test_a_stained_thing_is_not_answered_from_a_class_of_clean_recyclables(
    bundled_kb: KnowledgeBase, text: str
) -> None:
    """Round 15 gave the clothes rule its stained state (其他垃圾, as 毛巾/抹布): never the clean class's 可回收物."""
    answer = bundled_kb.answer(text)
    assert answer.intent == "sorting" and answer.items[0].category == "其他垃圾", answer.text


def test_clean_old_clothes_stay_recyclable(bundled_kb: KnowledgeBase) -> None:
    assert answered(bundled_kb, "旧衣服")[0] == "可回收物"


@pytest.mark.parametrize("text", ["合金小汽车该怎么扔", "玩具汽车", "遥控汽车"])
def test_a_toy_vehicle_is_not_sent_out_of_the_household_bins(bundled_kb: KnowledgeBase, text: str) -> None:
    answer = bundled_kb.answer(text)
    assert all(i.category != "非生活垃圾" for i in answer.items), answer.text


@pytest.mark.parametrize("text", ["村里的旧农膜", "两个旧轮胎", "养牛场的牛粪扔哪"])
def test_real_non_household_waste_keeps_its_answer(bundled_kb: KnowledgeBase, text: str) -> None:
    assert answered(bundled_kb, text)[0] == "非生活垃圾"


@pytest.mark.parametrize(
    "text", ["降糖药过期了好几个月了", "我妈吃剩下的降糖药过期了好几个月了扔哪里呀", "感冒药过期了三天"]
)
def test_how_long_after_a_state_is_no_part_of_the_name(bundled_kb: KnowledgeBase, text: str) -> None:
    assert answered(bundled_kb, text)[0] == "有害垃圾"


def test_a_name_ending_like_a_duration_is_kept(bundled_kb: KnowledgeBase) -> None:
    assert answered(bundled_kb, "月饼")[0] == "厨余垃圾"


def test_a_class_guessed_after_an_unsettled_item_leaves_its_question(bundled_kb: KnowledgeBase) -> None:
    answer = bundled_kb.answer("外卖盒是可回收的塑料吧")
    assert answer.intent == "clarify" and answer.source == "local_rules.yaml#外卖餐盒", answer.text


def test_an_either_or_bin_question_gets_the_bin_without_a_yes(bundled_kb: KnowledgeBase) -> None:
    answer = bundled_kb.answer("西瓜皮是干垃圾还是湿垃圾")
    assert answer.items[0].category == "厨余垃圾" and not answer.text.startswith(("是的", "不是")), answer.text
    assert bundled_kb.answer("西瓜皮是湿垃圾吗").text.startswith("是的")


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("用完的染发剂盒子里的瓶子扔哪", "local_rules.yaml#染发剂"),
        ("药盒里的瓶子", "local_rules.yaml#药瓶"),
        ("农药箱子里的空瓶子", "local_rules.yaml#农药瓶"),
    ],
)
def test_a_bottle_in_a_hazardous_products_box_is_that_products_bottle(
    bundled_kb: KnowledgeBase, text: str, source: str
) -> None:
    assert answered(bundled_kb, text) == ("有害垃圾", source)


def test_a_bottle_in_a_harmless_box_is_not_made_hazardous(bundled_kb: KnowledgeBase) -> None:
    answer = bundled_kb.answer("饼干盒里的瓶子")
    assert all(i.category != "有害垃圾" for i in answer.items), answer.text


@pytest.mark.parametrize("text", ["包过煎饼果子的纸袋子", "包过烧饼的纸"])
def test_a_wrapper_said_to_have_held_food_is_not_called_clean(bundled_kb: KnowledgeBase, text: str) -> None:
    answer = bundled_kb.answer(text)
    assert all(i.category != "可回收物" for i in answer.items), answer.text


def test_a_wrapper_that_held_no_food_keeps_its_bin(bundled_kb: KnowledgeBase) -> None:
    assert answered(bundled_kb, "包过礼物的包装纸")[0] == "可回收物"
