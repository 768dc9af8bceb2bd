"""Issue #13, round 5 second pass: space-separated lists of short names, a catalogue name that is also a question word
(垃圾桶), English question frames, and everyday words answered from rules with sources (洁厕灵, 樟脑丸, 婴儿车)."""

from __future__ import annotations

import pytest

from knowledge.core import KnowledgeBase
from knowledge.normalize import normalize
from tests.support.items import bins


@pytest.fixture(scope="module")
def kb(bundled_kb: KnowledgeBase) -> KnowledgeBase:
    """The answer core over the bundled catalogue and rules (SQLite)."""
    return bundled_kb


def test_three_short_names_with_spaces_are_a_list() -> None:
    assert normalize("旧书 旧报纸 旧杂志") == "旧书、旧报纸、旧杂志"
    assert normalize("塑料 瓶") == "塑料瓶"  # a one-character run is still a typo
    assert "、" not in normalize("问一下 俺们村 过期药咋处理")  # a question or a place is no list item


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("旧书 旧报纸 旧杂志", ["可回收物"] * 3),
        ("药片 果皮 纸箱", ["有害垃圾", "厨余垃圾", "可回收物"]),
        ("纸箱 菜叶 烟头扔哪", ["可回收物", "厨余垃圾", "其他垃圾"]),
    ],
)
def test_space_separated_list_answers_each_item(kb: KnowledgeBase, text: str, expected: list[str]) -> None:
    assert bins(kb, text) == expected


def test_bin_named_alone_is_the_item(kb: KnowledgeBase) -> None:
    assert bins(kb, "垃圾桶") == ["可回收物"]
    assert bins(kb, "坏了的垃圾桶扔哪") == ["可回收物"]
    assert kb.answer("垃圾桶是什么颜色").intent == "faq"  # the question about bins is still the FAQ


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("how to sort plastic bottle", "可回收物"),
        ("what bin does newspaper go in", "可回收物"),
        ("where should I throw banana peel", "厨余垃圾"),
        ("which bin is for old clothes", "可回收物"),
        ("what kind of garbage is eggshell", "厨余垃圾"),
        ("can i recycle newspaper", "可回收物"),  # can is the verb, not 易拉罐
    ],
)
def test_english_question_frames(kb: KnowledgeBase, text: str, expected: str) -> None:
    assert bins(kb, text) == [expected]


def test_english_battery_asks_which_kind(kb: KnowledgeBase) -> None:
    assert kb.answer("where does a battery go").intent == "clarify"


def test_lone_an_stays_pinyin(kb: KnowledgeBase) -> None:
    assert bins(kb, "an quan mao") == ["可回收物"]  # 安全帽: "an" is not the English article here


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("樟脑丸", "有害垃圾"),
        ("卫生球扔哪", "有害垃圾"),
        ("管道疏通剂", "有害垃圾"),
        ("婴儿车", "大件垃圾"),
        ("轮椅", "大件垃圾"),
        ("暖壶", "可回收物"),
        ("沐浴露", "其他垃圾"),
        ("苍蝇贴", "其他垃圾"),
        ("洁厕灵空瓶", "可回收物"),
    ],
)
def test_everyday_words_from_rules(kb: KnowledgeBase, text: str, expected: str) -> None:
    assert bins(kb, text) == [expected]


def test_toilet_cleaner_with_state_unsaid_asks(kb: KnowledgeBase) -> None:
    assert kb.answer("洁厕灵").intent == "clarify"
