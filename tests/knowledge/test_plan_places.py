"""Places anywhere in China with no plan loaded are told so, bare or with 省/市, never answered from 新郑's plan."""

from __future__ import annotations

import re

import pytest

from knowledge.core import KnowledgeBase
from knowledge.places import bare_name
from knowledge.policy import _unloaded_place


@pytest.mark.parametrize(
    ("question", "place"),
    [
        ("苏州的无废城市方案有哪些任务", "苏州"),
        ("厦门无废城市建设的目标是啥", "厦门"),
        ("浙江省无废城市要建几个", "浙江省"),
        ("我们宁波要建多少家无废学校", "宁波"),
        ("鄂尔多斯的工业固废利用率多少", "鄂尔多斯"),
        ("日照市的无废细胞有多少", "日照市"),
        ("河南省的无废城市实施方案有哪些指标", "河南省"),
    ],
)
def test_cities_and_provinces_outside_henan_are_recognised(question: str, place: str) -> None:
    assert _unloaded_place(question) == place


def test_city_names_that_are_ordinary_words_need_their_suffix() -> None:
    assert _unloaded_place("日照充足的地方垃圾桶放哪") is None  # 日照 = sunshine
    assert _unloaded_place("白银首饰的盒子") is None  # 白银 = silver
    assert _unloaded_place("普洱茶的茶饼纸") is None  # 普洱 = the tea
    assert bare_name("浙江省") == "浙江" and bare_name("安康市") == "安康"


@pytest.mark.parametrize(
    "question", ["厦门无废城市建设的目标是啥", "苏州的无废城市方案有哪些任务", "浙江省无废城市要建几个无废细胞"]
)
def test_a_plan_question_about_another_province_or_city_names_the_loaded_plans(
    bundled_kb: KnowledgeBase, question: str
) -> None:
    answer = bundled_kb.answer(question, city=None)
    assert answer.extra.get("no_plan"), answer.text
    assert "还没有导入" in answer.text and "新郑市方案" in answer.text
    assert not re.search(r"\d+(\.\d+)?(%|个|家|吨)", answer.text)


@pytest.mark.parametrize(
    ("question", "bin_name"), [("青岛啤酒瓶是什么垃圾", "可回收物"), ("德州扒鸡的骨头扔哪", "厨余垃圾")]
)
def test_a_city_in_a_brand_does_not_turn_an_item_question_into_a_plan_question(
    bundled_kb: KnowledgeBase, question: str, bin_name: str
) -> None:
    answer = bundled_kb.answer(question, city=None)
    assert answer.intent == "sorting" and [i.category for i in answer.items] == [bin_name], answer.text
