"""Issue #13, round 13 (commonly confused and unnamed items): a recyclable container still holding its food or drink,
a small packet named after the product sealed in it, the holder's name joined to the head, a material class after a
food it held, a medicine's name after "吃剩的", and vocabulary for offal, Henan buns and herb teas."""

from __future__ import annotations

import pytest

from knowledge.core import KnowledgeBase
from tests.support.items import answered, bins


@pytest.mark.parametrize(
    "text",
    [
        "没喝完的牛奶盒",
        "还剩半瓶的可乐瓶子",
        "喝了一半的矿泉水瓶扔哪",
        "牛奶盒里还有奶",
        "剩点饮料的易拉罐",
        "装着剩菜的塑料盒",
        "还剩半瓶的白酒",
    ],
)
def test_a_recyclable_container_still_holding_its_contents_asks_emptied_or_not(
    bundled_kb: KnowledgeBase, text: str
) -> None:
    answer = bundled_kb.answer(text)
    assert answer.intent == "clarify", answer.text
    assert [c.payload["category"] for c in answer.choices] == ["可回收物", "其他垃圾"]
    assert "倒掉" in answer.text


def test_a_toiletry_bottle_reads_its_own_leftovers(bundled_kb: KnowledgeBase) -> None:
    # the 洗发水瓶 rule has a state for what is left in it (连瓶扔, 其他垃圾), so it answers instead of asking
    assert answered(bundled_kb, "里面还有半瓶的洗发水瓶")[0] == "其他垃圾"
    assert answered(bundled_kb, "用完的洗发水瓶")[0] == "可回收物"


def test_an_emptied_container_is_still_recyclable(bundled_kb: KnowledgeBase) -> None:
    assert answered(bundled_kb, "喝完的牛奶盒")[0] == "可回收物"
    assert answered(bundled_kb, "农夫山泉喝完的空瓶子")[0] == "可回收物"


def test_a_hazardous_container_with_contents_keeps_its_bin(bundled_kb: KnowledgeBase) -> None:
    assert answered(bundled_kb, "没用完的杀虫剂罐")[0] == "有害垃圾"


def test_the_contents_question_reads_back_a_choice(bundled_kb: KnowledgeBase) -> None:
    asked = bundled_kb.answer("没喝完的牛奶盒")
    assert asked.pending is not None
    picked = bundled_kb.resolve(asked.pending, "1")
    assert picked is not None and [i.category for i in picked.items] == ["可回收物"], picked.text


@pytest.mark.parametrize("text", ["干燥剂那小包包", "干燥剂的小包包"])
def test_a_small_packet_after_a_sealed_product_is_that_product(bundled_kb: KnowledgeBase, text: str) -> None:
    assert answered(bundled_kb, text) == ("其他垃圾", "local_rules.yaml#干燥剂")


def test_a_handbag_is_still_a_handbag(bundled_kb: KnowledgeBase) -> None:
    assert answered(bundled_kb, "旧包包")[0] == "可回收物"


def test_a_packet_after_a_food_is_no_answer_about_the_food(bundled_kb: KnowledgeBase) -> None:
    answer = bundled_kb.answer("薯片那小包装")
    assert answer.intent != "sorting" or [i.category for i in answer.items] != ["厨余垃圾"], answer.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [("自行车换下来的旧轮胎", "可回收物"), ("粽子外面包的叶子", "其他垃圾")],
)
def test_the_holder_joined_to_the_head_is_the_listed_name(bundled_kb: KnowledgeBase, text: str, expected: str) -> None:
    assert answered(bundled_kb, text)[0] == expected


def test_a_material_class_after_a_food_it_held_is_not_called_clean(bundled_kb: KnowledgeBase) -> None:
    assert bundled_kb.answer("速冻饺子里的塑料托").intent != "sorting"
    assert answered(bundled_kb, "塑料托")[0] == "可回收物"  # said alone: the material decides


@pytest.mark.parametrize("text", ["吃剩的肠炎宁片", "过期的六神丸", "过期的保济丸", "过期的脚气膏"])
def test_a_medicine_name_is_hazardous_not_a_leftover_dish(bundled_kb: KnowledgeBase, text: str) -> None:
    assert answered(bundled_kb, text)[0] == "有害垃圾"


@pytest.mark.parametrize(
    "text",
    ["火锅剩的毛肚", "放臭了的猪肝", "放硬了的糖三角", "冻坏的粘豆包", "泡过的胖大海", "橘子络", "掐下来的空心菜老梗"],
)
def test_food_the_catalogue_does_not_name_is_kitchen_waste(bundled_kb: KnowledgeBase, text: str) -> None:
    assert bins(bundled_kb, text) == ["厨余垃圾"]


@pytest.mark.parametrize("text", ["鞋垫", "簸箕", "用完的门垫是什么垃圾", "浴帘"])
def test_a_thing_whose_state_decides_asks_clean_or_dirty(bundled_kb: KnowledgeBase, text: str) -> None:
    answer = bundled_kb.answer(text)
    assert answer.intent == "clarify", answer.text
    assert [c.payload["category"] for c in answer.choices] == ["可回收物", "其他垃圾"]


@pytest.mark.parametrize(("text", "expected"), [("洗干净的坐垫", "可回收物"), ("发霉的浴帘", "其他垃圾")])
def test_the_state_said_answers_instead_of_asking(bundled_kb: KnowledgeBase, text: str, expected: str) -> None:
    assert answered(bundled_kb, text)[0] == expected


@pytest.mark.parametrize("text", ["牙膏的盒子", "用完的牙膏盒"])
def test_the_model_does_not_copy_a_product_said_with_de_to_its_box(bundled_kb: KnowledgeBase, text: str) -> None:
    assert bundled_kb.answer(text).intent != "sorting"
