"""Names the catalogue does not know: generalisation rules, deciding modifiers, small amounts and yes/no questions."""

from __future__ import annotations

import pytest

from knowledge.catalogue import CatalogueError
from knowledge.core import KnowledgeBase
from knowledge.generalise import bundled_generaliser, read_generaliser


def category(kb: KnowledgeBase, question: str) -> str | None:
    answer = kb.answer(question)
    return answer.items[0].category if answer.intent == "sorting" and answer.items else None


def test_every_rule_says_why_and_where_from() -> None:
    rules = bundled_generaliser()
    assert rules.vocab and rules.endings and rules.materials and rules.modifiers and rules.amounts
    with pytest.raises(CatalogueError, match="reason and a source"):
        read_generaliser("vocab:\n  - {id: x, category: 厨余垃圾, words: [饭]}\n")
    with pytest.raises(CatalogueError, match="unknown category"):
        read_generaliser("vocab:\n  - {id: x, category: 湿的, reason: r, source: s, words: [饭]}\n")


@pytest.mark.parametrize(
    ("question", "expected", "rule"),
    [
        ("榨汁机扔哪个桶", "可回收物", "小家电"),  # …机 with a kitchen word
        ("扫地机器人是什么垃圾", "可回收物", "小家电"),
        ("降糖药怎么扔", "有害垃圾", None),  # …药 (the matcher's own medicine rule may answer first)
        ("杀螨喷雾扔哪", "有害垃圾", "有害化学品"),  # …喷雾 by use
        ("火龙果皮扔哪", "厨余垃圾", None),
        ("夏威夷果壳是什么垃圾", "其他垃圾", None),  # a hard shell is not food waste
        ("吃剩的羊肉泡馍扔哪", "厨余垃圾", None),
        ("不锈钢勺子扔哪", "可回收物", None),
        ("陶瓷摆件是什么垃圾", "其他垃圾", "陶瓷"),
        ("美妆蛋扔哪", "其他垃圾", "个人护理耗材"),
        ("旧工作服怎么处理", "可回收物", "旧衣物织物"),
        ("旧麻将桌", "大件垃圾", "大件健身家具"),
    ],
)
def test_a_name_the_catalogue_lacks_is_answered_by_its_rule(
    kb: KnowledgeBase, question: str, expected: str, rule: str | None
) -> None:
    answer = kb.answer(question)
    assert answer.intent == "sorting" and answer.items[0].category == expected, answer.text
    if rule is not None:
        assert answer.items[0].source == f"generalise.yaml#{rule}"
        assert "清单里没有这一项" in answer.text or rule in ("小家电", "有害化学品", "旧衣物织物")


def test_a_made_up_thing_is_still_not_guessed(kb: KnowledgeBase) -> None:
    for question in ("量子纠缠器扔哪个桶", "天线宝宝扔哪"):
        assert kb.answer(question).intent == "unknown"


@pytest.mark.parametrize(
    ("plain", "plain_bin", "modified", "modified_bin"),
    [
        ("塑料碗扔哪", "可回收物", "一次性塑料碗扔哪", "其他垃圾"),
        ("纸盒扔哪", "可回收物", "肯德基纸盒扔哪", "其他垃圾"),  # a fast-food box is not a clean carton
        ("床单扔哪", "可回收物", "一次性床单扔哪", "其他垃圾"),
        ("瓷砖扔哪", "装修垃圾", "打碎了一块瓷砖扔哪", "其他垃圾"),  # one broken tile goes in a household bin
        ("饭盒扔哪", None, "不锈钢饭盒扔哪", "可回收物"),  # the material is asked (round 5 local rule)
        ("锅盖扔哪", None, "铝制锅盖扔哪", "可回收物"),
        ("火锅扔哪", "厨余垃圾", "电火锅扔哪", "可回收物"),
        ("桃核扔哪", "其他垃圾", "樱桃核扔哪", "厨余垃圾"),  # 樱桃 is read whole, not as 樱 + 桃核
    ],
)
def test_a_deciding_word_moves_the_answer(
    kb: KnowledgeBase, plain: str, plain_bin: str | None, modified: str, modified_bin: str
) -> None:
    assert category(kb, plain) == plain_bin
    assert category(kb, modified) == modified_bin


def test_a_deciding_word_that_needs_the_state_lowers_the_confidence(kb: KnowledgeBase) -> None:
    assert kb.answer("肯德基纸袋扔哪").intent != "sorting"  # clean: 可回收物, greasy: 其他垃圾


def test_a_clean_state_or_a_negation_keeps_the_catalogue_answer(kb: KnowledgeBase) -> None:
    assert category(kb, "洗干净的外卖盒可以回收吗") == "可回收物"
    assert category(kb, "不含汞铅电池扔哪") == "其他垃圾"


def test_big_streams_say_what_to_do_at_home(kb: KnowledgeBase) -> None:
    sofa = kb.answer("旧沙发怎么扔")
    assert sofa.items[0].category == "大件垃圾" and "预约" in sofa.text
    assert category(kb, "死老鼠扔哪") == "其他垃圾"
    assert category(kb, "一点废弃食用油怎么扔") == "厨余垃圾"
    assert category(kb, "装修剩的瓷砖") == "装修垃圾"


def test_a_yes_no_question_about_an_item_gets_yes_or_no_and_the_bin(kb: KnowledgeBase) -> None:
    answer = kb.answer("酸菜鱼是有害垃圾吗")
    assert answer.intent == "sorting" and answer.text.startswith("不是有害垃圾。")
    assert answer.items[0].category == "厨余垃圾"
    answer = kb.answer("降压药是有害垃圾吗")
    assert answer.text.startswith("是的，属于有害垃圾。")
    assert kb.answer("眼贴是可回收的吗").text.startswith("不属于可回收物。")


def test_a_yes_no_question_about_an_unknown_item_is_not_a_category_blurb(kb: KnowledgeBase) -> None:
    answer = kb.answer("量子纠缠器是有害垃圾吗")
    assert answer.intent == "unknown" and "量子纠缠器" in answer.text
    assert kb.answer("有害垃圾有哪些").intent == "faq"
    assert kb.answer("可回收物包括哪些").intent == "faq"


def test_no_catalogue_name_is_answered_by_a_rule_against_the_catalogue(kb: KnowledgeBase) -> None:
    moved = []
    for entry in kb.entries:
        if entry.kinds or entry.conditions:
            continue
        for surface in entry.surfaces:
            found = kb.matcher.find(surface.lower())
            if found and found[0].how == "rule" and found[0].entry and found[0].entry.category != entry.category:
                moved.append(surface)
    assert moved == []
