"""Round 15: when an item's bin depends on a state, amount or material the message does not say, the bot asks and
names each option with its bin; when the message says it, the bot answers; a rule keeps a default only with a reason."""

from __future__ import annotations

import pytest

from knowledge.catalogue import SETTLED_STATE_QUESTION, bundled_text, entry_from_rule, read_local_rules
from knowledge.core import KnowledgeBase
from tests.support.items import answered


def _asked(kb: KnowledgeBase, text: str) -> str:
    answer = kb.answer(text)
    assert answer.intent == "clarify", (text, answer.intent, answer.text)
    return answer.text


@pytest.mark.parametrize(
    ("text", "bins_named"),
    [
        ("酸奶盒扔哪个桶", ("可回收物", "其他垃圾")),
        ("塑料酸奶盒", ("可回收物", "其他垃圾")),
        ("泡沫箱扔哪", ("可回收物", "其他垃圾")),
        ("披萨盒扔哪", ("可回收物", "其他垃圾")),
        ("树枝扔哪", ("厨余垃圾", "园林垃圾")),
        ("干树枝", ("厨余垃圾", "园林垃圾")),
        ("锅扔哪", ("可回收物", "其他垃圾")),
        ("旧毛巾", ("可回收物", "其他垃圾")),
        ("电池扔哪", ("其他垃圾", "有害垃圾")),  # a kind question also names each kind's bin now
    ],
)
def test_a_bare_item_whose_bin_depends_on_its_state_asks_and_names_each_bin(
    bundled_kb: KnowledgeBase, text: str, bins_named: tuple[str, ...]
) -> None:
    reply = _asked(bundled_kb, text)
    assert all(b in reply for b in bins_named), reply


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("洗干净的酸奶盒", "可回收物"),
        ("没洗的酸奶盒子", "其他垃圾"),
        ("装过海鲜的泡沫箱", "其他垃圾"),
        ("装水果的泡沫箱", "可回收物"),
        ("没沾油的披萨盒", "可回收物"),
        ("greasy pizza box", "其他垃圾"),
        ("一大堆树枝", "园林垃圾"),
        ("阳台盆栽掉的几片落叶", "厨余垃圾"),
        ("铁锅", "可回收物"),
        ("不锈钢锅坏了", "可回收物"),
        ("砂锅", "其他垃圾"),
        ("发霉的毛巾", "其他垃圾"),
    ],
)
def test_the_state_said_in_the_message_is_answered(bundled_kb: KnowledgeBase, text: str, expected: str) -> None:
    assert answered(bundled_kb, text)[0] == expected


@pytest.mark.parametrize(
    ("text", "expected", "other"),
    [
        ("快递纸箱", "可回收物", "其他垃圾"),
        ("洗发水瓶子扔哪", "可回收物", "其他垃圾"),
        ("食用油桶", "可回收物", "其他垃圾"),
        ("膏药", "其他垃圾", "有害垃圾"),
    ],
)
def test_a_rule_that_keeps_its_default_answers_and_names_the_other_case(
    bundled_kb: KnowledgeBase, text: str, expected: str, other: str
) -> None:
    answer = bundled_kb.answer(text)
    assert answer.intent == "sorting" and answer.items[0].category == expected, answer.text
    assert other in answer.text


@pytest.mark.parametrize("text", ["塑料瓶", "旧报纸", "剩饭", "油漆桶", "易拉罐"])
def test_items_whose_bin_depends_on_nothing_do_not_ask(bundled_kb: KnowledgeBase, text: str) -> None:
    assert bundled_kb.answer(text).intent == "sorting"


def test_every_shipped_rule_with_two_bins_by_state_asks_or_keeps_its_default_with_a_reason() -> None:
    for entry in read_local_rules(bundled_text("local_rules.yaml")):
        if len({c.category for c in entry.conditions}) < 2:
            continue
        assert entry.asks_state != bool(entry.keep_default), entry.name
        if entry.asks_state:
            assert [o.category for o in entry.kinds] == [c.category for c in entry.conditions], entry.name


def test_keep_default_stops_the_question_and_a_settled_rule_asks_without_the_unsettled_note() -> None:
    rule = {
        "name": "测试盒",
        "category": "可回收物",
        "conditions": [
            {"when": "干净", "words": ["干净"], "category": "可回收物", "default": True},
            {"when": "有油", "words": ["油"], "category": "其他垃圾"},
        ],
    }
    asking = entry_from_rule(rule)
    assert asking.asks_state and asking.kinds_question == SETTLED_STATE_QUESTION
    kept = entry_from_rule({**rule, "keep_default": "干净的是常见情况"})
    assert not kept.asks_state and not kept.kinds and kept.default_condition is not None


def _state_rules(kb: KnowledgeBase) -> list[str]:
    return sorted(e.name for e in kb.by_name.values() if e.asks_state)


def test_every_option_word_of_a_state_question_resolves_to_that_options_bin(bundled_kb: KnowledgeBase) -> None:
    names = _state_rules(bundled_kb)
    assert {"酸奶盒", "泡沫箱", "枯枝落叶", "外卖餐盒", "塑料袋"} <= set(names)
    misses = []
    for name in names:
        entry = bundled_kb.by_name[name]
        for option in entry.kinds:
            for word in option.words:
                answer = bundled_kb.resolve({"entry": name, "query": name}, word, reply=True)
                got = answer.items[0].category if answer is not None and answer.items else None
                if got != option.category:
                    misses.append((name, word, option.category, got))
    assert not misses, misses


def test_every_option_word_said_with_the_item_answers_that_options_bin(bundled_kb: KnowledgeBase) -> None:
    misses = []
    for name in _state_rules(bundled_kb):
        entry = bundled_kb.by_name[name]
        for option in entry.kinds:
            for word in option.words:
                said = []  # the state after the name, else before it ("洁厕灵，空瓶" reads as two items)
                for text in (f"{name}，{word}", f"{word}的{name}"):
                    answer = bundled_kb.answer(text)
                    said.append(answer.items[0].category if answer.intent == "sorting" and answer.items else None)
                if option.category not in said:
                    misses.append((name, word, option.category, said))
    assert not misses, misses
