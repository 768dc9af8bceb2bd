"""Issue #13, round 17 (unnamed17): household names the catalogue does not know — a yam is no medicine (山药),
furniture stays bulky whatever it is made of, and more textiles, paper, metal, hygiene, medicine, paint, flower and
food words in the generalisation layer."""

from __future__ import annotations

import pytest

from knowledge.core import KnowledgeBase
from knowledge.generalise import bundled_generaliser
from tests.support.items import answered


@pytest.mark.parametrize("text", ["山药", "怀山药扔哪", "吃剩的山药", "削了皮的铁棍山药"])
def test_a_yam_is_food_not_a_medicine(bundled_kb: KnowledgeBase, text: str) -> None:
    assert answered(bundled_kb, text)[0] == "厨余垃圾"


@pytest.mark.parametrize("text", ["芍药花谢了扔哪", "枯了的芍药"])
def test_a_peony_is_a_flower_not_a_medicine(bundled_kb: KnowledgeBase, text: str) -> None:
    assert answered(bundled_kb, text)[0] == "厨余垃圾"


@pytest.mark.parametrize("text", ["过期的降压药", "吃剩的感冒药", "过期的眼药水"])
def test_medicines_ending_in_a_medicine_word_stay_hazardous(bundled_kb: KnowledgeBase, text: str) -> None:
    assert answered(bundled_kb, text)[0] == "有害垃圾"


@pytest.mark.parametrize("text", ["铝合金人字梯", "不要的藤椅", "坏了的不锈钢学习桌", "旧太师椅扔哪"])
def test_furniture_is_bulky_whatever_it_is_made_of(bundled_kb: KnowledgeBase, text: str) -> None:
    assert answered(bundled_kb, text)[0] == "大件垃圾"


def test_a_furniture_word_decides_before_a_material_word() -> None:
    rules = bundled_generaliser()
    guess = rules.classify(["铝合金", "折叠梯"])
    assert guess is not None and guess.category == "大件垃圾"
    small = rules.classify(["铝合金", "衣架钩"])
    assert small is not None and small.category == "可回收物"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("旧浴袍", "可回收物"),
        ("不要的珊瑚绒毯", "可回收物"),
        ("旧的老黄历", "可回收物"),
        ("自行车的铃铛坏了", "可回收物"),
        ("铜墨盒", "可回收物"),
        ("用过的防溢乳垫", "其他垃圾"),
        ("刷家具剩的清漆", "有害垃圾"),
        ("过年的水仙花谢了", "厨余垃圾"),
        ("放坏的骏枣", "厨余垃圾"),
    ],
)
def test_more_household_words(bundled_kb: KnowledgeBase, text: str, category: str) -> None:
    assert answered(bundled_kb, text)[0] == category


@pytest.mark.parametrize("text", ["过期的枫糖浆", "咖啡颗粒", "塑料颗粒扔哪"])
def test_syrups_and_granules_that_are_no_medicine_are_not_hazardous(bundled_kb: KnowledgeBase, text: str) -> None:
    answer = bundled_kb.answer(text)
    assert all(i.category != "有害垃圾" for i in answer.items), answer.text


@pytest.mark.parametrize("text", ["止咳糖浆", "过期的感冒颗粒"])
def test_medicine_syrups_and_granules_stay_hazardous(bundled_kb: KnowledgeBase, text: str) -> None:
    assert answered(bundled_kb, text)[0] == "有害垃圾"
