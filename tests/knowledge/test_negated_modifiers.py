"""Issue #13 §1: words that decide the bin are never dropped — "不可降解" is ordinary plastic (never read as the
imported 可降解 name inside it), "可降解" lowers the confidence (the imported list contradicts itself), and "不可回收的X"
said before a plastic or paper name asks about the part that cannot be recycled (其他垃圾), while a guess said after
the name ("塑料瓶是不可回收的吗") is answered as the yes/no question it is."""

from __future__ import annotations

from knowledge.core import KnowledgeBase


def test_not_degradable_is_ordinary_plastic(kb: KnowledgeBase) -> None:
    bag = kb.answer("不可降解塑料袋扔哪", area="urban")
    assert "可降解塑料袋" not in bag.text  # the imported 可降解塑料袋 name is not what was asked
    assert bag.source.startswith("local_rules.yaml#塑料袋")
    tableware = kb.answer("不可降解塑料餐具扔哪", area="urban")
    assert "可降解塑料餐具" not in tableware.text


def test_degradable_lowers_the_confidence_where_the_list_disagrees(kb: KnowledgeBase) -> None:
    answer = kb.answer("可降解塑料餐具扔哪", area="urban")
    assert answer.intent != "sorting" or not answer.items
    assert kb.answer("可降解塑料袋", area="urban").items[0].category == "其他垃圾"  # an imported exact name stays


def test_not_recyclable_before_the_name_is_other_waste(kb: KnowledgeBase) -> None:
    for text in ("不可回收的塑料扔哪", "不能回收的塑料袋扔哪", "没法回收的纸扔哪"):
        answer = kb.answer(text, area="urban")
        assert [i.category for i in answer.items] == ["其他垃圾"], text
        assert "可以回收" not in answer.text, text


def test_not_recyclable_said_after_the_name_is_a_yes_no_question(kb: KnowledgeBase) -> None:
    answer = kb.answer("塑料瓶是不可回收的吗", area="urban")
    assert [i.category for i in answer.items] == ["可回收物"]
    assert answer.text.startswith("可以回收")
