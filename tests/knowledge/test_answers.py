"""Answers over the bundled knowledge: said -> intent, category and what the reply must say."""

from __future__ import annotations

import pytest

from knowledge.answer import CATEGORIES
from knowledge.core import KnowledgeBase

SORTING = [
    ("用过的纸巾扔哪个桶?", "其他垃圾"),
    ("充电电池呢?", "有害垃圾"),
    ("废旧充电电池", "有害垃圾"),
    ("普通的5号电池", "其他垃圾"),
    ("充电宝", "有害垃圾"),
    ("大棒骨", "其他垃圾"),
    ("鸡骨头是什么垃圾", "厨余垃圾"),
    ("生蚝壳", "其他垃圾"),
    ("虾壳扔哪", "厨余垃圾"),
    ("核桃壳", "其他垃圾"),
    ("瓜子壳属于哪一类", "厨余垃圾"),
    ("过期药品怎么处理", "有害垃圾"),
    ("荧光灯管", "有害垃圾"),
    ("旧衣服可以回收吗", "可回收物"),
    ("旧沙发怎么扔", "大件垃圾"),
    ("湿了的快递纸箱", "其他垃圾"),
    ("塑料瓶盖", "可回收物"),
    ("紙巾是什麼垃圾", "其他垃圾"),
    ("ＰＥＴ塑料瓶！！", "可回收物"),
    ("纸巾😂😂", "其他垃圾"),
    ("请问一下 用过的 湿巾 扔哪个桶呀？", "其他垃圾"),
    ("纸斤是什么垃圾", "其他垃圾"),
    ("装修垃圾", "装修垃圾"),
    ("打完的农药瓶子往哪扔", "有害垃圾"),
    ("吃剩的烩面扔哪", "厨余垃圾"),
    ("家里那个用了好多年的充电宝最近有点鼓包了，不敢用了，想扔掉，是扔哪个桶比较安全", "有害垃圾"),
]


@pytest.mark.parametrize(("said", "category"), SORTING)
def test_sorting_answers(kb: KnowledgeBase, said: str, category: str) -> None:
    answer = kb.answer(said)
    assert answer.intent == "sorting", answer.text
    assert answer.items[0].category == category
    assert category in answer.text
    assert answer.confidence >= 0.6
    assert answer.source


def test_the_battery_question_asks_which_kind(kb: KnowledgeBase) -> None:
    answer = kb.answer("电池扔哪个桶")
    assert answer.intent == "clarify"
    assert [c.key for c in answer.choices] == ["1", "2"]
    assert answer.pending is not None
    follow = kb.resolve(answer.pending, "充电的")
    assert follow is not None and follow.items[0].category == "有害垃圾"


def test_several_items_in_one_message(kb: KnowledgeBase) -> None:
    answer = kb.answer("香蕉皮和塑料瓶分别扔哪")
    assert [i.category for i in answer.items] == ["厨余垃圾", "可回收物"]
    assert "香蕉皮" in answer.text and "塑料瓶" in answer.text


def test_condition_is_stated_when_assumed(kb: KnowledgeBase) -> None:
    answer = kb.answer("快递纸箱扔哪")
    assert answer.items[0].category == "可回收物"
    assert "按" in answer.text and "其他垃圾" in answer.text  # says what it assumed and what if not


def test_rural_answer_uses_the_two_step_method(kb: KnowledgeBase) -> None:
    answer = kb.answer("剩饭剩菜", area="rural")
    assert answer.items[0].rural == "会烂的"
    assert answer.text.startswith("剩饭剩菜") or "会烂" in answer.text


@pytest.mark.parametrize(
    ("said", "intent"),
    [
        ("你好", "smalltalk"),
        ("谢谢", "smalltalk"),
        ("帮助", "command"),
        ("菜单", "command"),
        ("什么是无废城市", "faq"),
        ("二次四分法是什么", "faq"),
        ("湿垃圾是什么", "faq"),
        ("快递绿色包装使用率目标是多少", "policy"),
        ("今天天气怎么样", "unknown"),
        ("量子纠缠器扔哪个桶", "unknown"),
        ("陶瓷保温杯", "unknown"),
        ("猫砂盆", "unknown"),
    ],
)
def test_intents(kb: KnowledgeBase, said: str, intent: str) -> None:
    assert kb.answer(said).intent == intent


def test_homophone_typo_is_read_as_the_common_word(kb: KnowledgeBase) -> None:
    answer = kb.answer("塑料代是什么垃圾")
    # 塑料袋's bin depends on its state, which 郑州 has not settled: the bot asks about 塑料袋, not about 塑料代
    assert answer.intent == "clarify"
    assert answer.pending is not None and answer.pending["entry"] == "塑料袋"
    assert "塑料袋" in answer.text


def test_unknown_never_names_a_category_as_the_answer(kb: KnowledgeBase) -> None:
    answer = kb.answer("量子纠缠器扔哪个桶")
    assert answer.items == []
    assert "不确定" in answer.text and "一般规则" in answer.text


@pytest.mark.parametrize("said", ["", "   ", "？？？", "🙂🙂", "的", "a" * 5000, "纸巾" * 3000, "\x00\x01", "<script>"])
def test_odd_input_gets_a_reply_not_an_exception(kb: KnowledgeBase, said: str) -> None:
    answer = kb.answer(said)
    assert answer.text
    assert all(i.category in CATEGORIES for i in answer.items)
