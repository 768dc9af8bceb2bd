"""Round 16 (parts17): a part taken off a named whole, or what a pet left of its food, is judged by its own name —
never the whole's bin; a car key's cell is a button cell; restaurant leftovers name no household bin colour."""

from __future__ import annotations

import pytest

from knowledge.core import KnowledgeBase
from tests.support.items import answered


@pytest.mark.parametrize(
    ("text", "whole_bin"),
    [
        ("自行车上换下来的铁链条", "大件垃圾"),
        ("电动车上拆下来的后视镜", "非生活垃圾"),
        ("猫没吃完的罐头肉", "非生活垃圾"),
        ("沙发上拆下来的布套", "大件垃圾"),
        ("汽车上换下来的雨刷片", "非生活垃圾"),
    ],
)
def test_a_part_never_takes_the_whole_s_bin(bundled_kb: KnowledgeBase, text: str, whole_bin: str) -> None:
    answer = bundled_kb.answer(text)
    assert whole_bin not in [i.category for i in answer.items], (text, answer.text)


@pytest.mark.parametrize("text", ["自行车上的铁车筐扔哪", "电动车上拆下的铁螺丝", "汽车上拆下来的铁螺丝"])
def test_a_part_the_catalogue_or_rules_know_is_answered_by_its_own_name(bundled_kb: KnowledgeBase, text: str) -> None:
    assert answered(bundled_kb, text)[0] == "可回收物"


@pytest.mark.parametrize("text", ["自行车扔哪", "旧沙发", "电动车的电瓶"])
def test_the_whole_said_alone_or_with_a_known_part_keeps_its_rule(bundled_kb: KnowledgeBase, text: str) -> None:
    assert answered(bundled_kb, text)[0] in ("大件垃圾", "有害垃圾")


@pytest.mark.parametrize("text", ["汽车遥控钥匙的电池", "汽车钥匙里抠出来的电池", "车钥匙里的纽扣电池"])
def test_a_car_key_cell_is_a_button_cell(bundled_kb: KnowledgeBase, text: str) -> None:
    assert answered(bundled_kb, text)[0] == "有害垃圾"


def test_restaurant_leftovers_name_the_colour_only_for_home(bundled_kb: KnowledgeBase) -> None:
    answer = bundled_kb.answer("食堂的剩菜")
    assert [i.category for i in answer.items] == ["厨余垃圾"]
    lead, _, home = answer.text.partition("家里")
    assert "绿色桶" not in lead and "绿色桶" in home, answer.text
    assert "（绿色桶）" in bundled_kb.answer("剩饭剩菜").text  # at home the colour stays


@pytest.mark.parametrize("text", ["电动车座套旧了扔哪", "沙发上拆下来的布套", "旧沙发上的靠垫套"])
def test_a_cloth_cover_taken_off_is_a_textile(bundled_kb: KnowledgeBase, text: str) -> None:
    assert answered(bundled_kb, text)[0] == "可回收物"


def test_a_disposable_seat_cover_is_no_textile(bundled_kb: KnowledgeBase) -> None:
    assert answered(bundled_kb, "一次性座套")[0] == "其他垃圾"
