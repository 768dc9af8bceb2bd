"""Round 15 (unconf15): a rule 郑州 has not settled asks when a deciding question exists, hedges when none does, and
keeps its answer only with a written reason; the bot never states an unsettled bin as settled."""

from __future__ import annotations

import pytest
import yaml

from knowledge import texts
from knowledge.catalogue import bundled_text, entry_from_rule, read_local_rules
from knowledge.core import KnowledgeBase
from knowledge.service import rule_mapping


@pytest.mark.parametrize(
    ("text", "bins_named"),
    [
        ("化妆品", ("其他垃圾", "可回收物", "有害垃圾")),
        ("过期的化妆品扔哪", ("其他垃圾", "可回收物", "有害垃圾")),  # 过期 says neither the product nor the bottle
        ("眼霜", ("其他垃圾", "可回收物")),
        ("粉底液扔哪个桶", ("其他垃圾", "可回收物")),
        ("过期的面膜怎么扔", ("其他垃圾", "可回收物")),
        ("果核扔哪", ("厨余垃圾", "其他垃圾")),
        ("外卖盒扔哪", ("其他垃圾", "可回收物")),
    ],
)
def test_an_unsettled_rule_with_a_deciding_question_asks_it(
    bundled_kb: KnowledgeBase, text: str, bins_named: tuple[str, ...]
) -> None:
    answer = bundled_kb.answer(text)
    assert answer.intent == "clarify" and answer.pending is not None, answer.text
    assert all(b in answer.text for b in bins_named), answer.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("用完洗干净的粉底液玻璃瓶扔哪", "可回收物"),
        ("还剩半瓶的粉底液扔哪", "其他垃圾"),
        ("过期的指甲油扔哪", "有害垃圾"),
        ("苹果核扔哪", "厨余垃圾"),
        ("洗干净的外卖塑料盒扔哪", "可回收物"),
    ],
)
def test_the_deciding_word_said_gives_the_bin(bundled_kb: KnowledgeBase, text: str, expected: str) -> None:
    answer = bundled_kb.answer(text)
    assert answer.intent == "sorting" and answer.items[0].category == expected, answer.text


@pytest.mark.parametrize(
    ("reply", "expected"),
    [("2", "可回收物"), ("还有残留", "其他垃圾"), ("3", "有害垃圾"), ("染发剂", "有害垃圾")],
)
def test_a_reply_to_the_cosmetics_question_resolves_it(bundled_kb: KnowledgeBase, reply: str, expected: str) -> None:
    asked = bundled_kb.answer("化妆品扔哪")
    assert asked.pending is not None
    answer = bundled_kb.resolve(asked.pending, reply, reply=True)
    assert answer is not None and answer.items[0].category == expected, (reply, answer and answer.text)


@pytest.mark.parametrize(
    ("text", "name"), [("LED灯", "LED灯"), ("坏了的LED灯管咋处理", "LED灯"), ("狗屎咋弄", "宠物粪便"), ("口红", "口红")]
)
def test_an_unsettled_rule_without_a_question_hedges_and_states_no_bin(
    bundled_kb: KnowledgeBase, text: str, name: str
) -> None:
    answer = bundled_kb.answer(text)
    assert answer.intent == "clarify" and not answer.items and answer.extra["hedged"] == [name], answer.text
    assert "郑州暂无明确规定" in answer.text and texts.HEDGED in answer.text
    assert "其他垃圾" in answer.text  # the usual bin is still said, as the usual practice


def test_a_yes_no_question_about_a_hedged_item_gets_no_verdict(bundled_kb: KnowledgeBase) -> None:
    answer = bundled_kb.answer("LED灯是有害垃圾吗")
    assert answer.intent == "clarify" and "不是有害垃圾" not in answer.text, answer.text


def test_a_hedged_item_beside_a_settled_one_keeps_the_settled_answer_in_a_clarification(
    bundled_kb: KnowledgeBase,
) -> None:
    answer = bundled_kb.answer("猫屎和猫砂")
    assert answer.intent == "clarify" and [i.name for i in answer.items] == ["猫砂"], answer.text
    assert answer.items[0].category == "其他垃圾" and "猫砂" in answer.text
    assert answer.extra["hedged"] == ["宠物粪便"]


@pytest.mark.parametrize(
    ("text", "expected"), [("白炽灯泡", "其他垃圾"), ("超市小票扔哪", "其他垃圾"), ("碎镜子扔哪", "其他垃圾")]
)
def test_an_unsettled_rule_settled_enough_for_a_household_answers(
    bundled_kb: KnowledgeBase, text: str, expected: str
) -> None:
    answer = bundled_kb.answer(text)
    assert answer.intent == "sorting" and answer.items[0].category == expected, answer.text
    assert texts.UNCONFIRMED in answer.text


def test_every_unconfirmed_rule_asks_hedges_splits_or_says_why_it_keeps_its_answer() -> None:
    data = {r["name"]: r for r in yaml.safe_load(bundled_text("local_rules.yaml"))}
    undecided = []
    for entry in read_local_rules(bundled_text("local_rules.yaml")):
        if not entry.unconfirmed:
            continue
        ways = [bool(entry.kinds), bool(entry.parts), bool(entry.hedge), bool(data[entry.name].get("settled_enough"))]
        if sum(ways) != 1 and not (entry.parts and sum(ways) == 2 and not entry.kinds):  # parts with a reason
            undecided.append((entry.name, ways))
    assert not undecided, undecided


def test_a_hedge_survives_the_database_round_trip() -> None:
    rule = {"name": "测试灯", "category": "其他垃圾", "unconfirmed": True, "hedge": "各地不一，没有可问的"}
    entry = entry_from_rule(rule)
    assert entry.hedge and entry_from_rule({"name": "测试灯", "category": "其他垃圾", **rule_mapping(entry)}).hedge
