"""Issue #13 round 16: search-box keywords as residents type them — English plurals in -ies and UK/US words, a
delivery app's name before a box or bag, question tails (哇/咧/哟), a snack brand said alone, a drink carton named
by its drink."""

from __future__ import annotations

import pytest

from knowledge.core import KnowledgeBase
from knowledge.normalize import normalize
from tests.support.items import answered


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rechargeable batteries", "有害垃圾"),  # plural of "rechargeable battery", not "rechargeable" + 电池
        ("lithium batteries", "有害垃圾"),
        ("crisp packets", "其他垃圾"),  # UK
        ("kitchen roll", "其他垃圾"),  # UK
        ("sneaker", "可回收物"),  # US
        ("fluorescent tube", "有害垃圾"),  # says its kind: not the plain 灯管 question
    ],
)
def test_english_plurals_and_uk_us_words(kb: KnowledgeBase, text: str, expected: str) -> None:
    assert answered(kb, text)[0] == expected


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("饿了么的打包盒", "外卖打包盒"),
        ("美团打包袋", "外卖打包袋"),
        ("美团外卖饭盒", "外卖饭盒"),
        ("饿了么餐盒", "外卖餐盒"),
    ],
)
def test_a_delivery_app_before_a_box_or_bag_is_take_away_packaging(kb: KnowledgeBase, text: str, said: str) -> None:
    answer, plain = kb.answer(text), kb.answer(said)
    assert (answer.intent, answer.source) == (plain.intent, plain.source)
    assert answer.source.split("#")[-1] in {"外卖餐盒", "外卖袋"}  # the take-away rules, not the plain 餐盒/袋


def test_a_delivery_app_name_elsewhere_is_left_alone() -> None:
    assert normalize("美团单车") == "美团单车"
    assert normalize("饿了么") == "饿了么"


@pytest.mark.parametrize(
    ("text", "expected"), [("剩菜哇", "厨余垃圾"), ("易拉罐咧", "可回收物"), ("烟头哟", "其他垃圾")]
)
def test_a_question_tail_is_no_part_of_the_name(kb: KnowledgeBase, text: str, expected: str) -> None:
    assert answered(kb, text)[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"), [("士力架", "厨余垃圾"), ("奥利奥", "厨余垃圾"), ("士力架包装袋", "其他垃圾")]
)
def test_a_snack_brand_alone_is_the_snack_and_its_wrapper_is_not(kb: KnowledgeBase, text: str, expected: str) -> None:
    assert answered(kb, text)[0] == expected


def test_a_drink_carton_named_by_its_drink_is_not_a_tea_box(kb: KnowledgeBase) -> None:
    assert answered(kb, "柠檬茶盒")[0] == "可回收物"  # not the imported 茶盒 (a tea-leaf box)
