"""Issue #13 §3-§4, round 15 (policy15): questions over every sentence of the two real plans, worded freely."""

from __future__ import annotations

import pytest

from knowledge.core import KnowledgeBase
from knowledge.places import other_places_in
from knowledge.policy import PolicyIndex


@pytest.mark.parametrize(
    ("question", "city", "want"),
    [
        ("一般工业固体废物每万元产值产生多少吨", "新郑市", "0.3797"),  # no extraction fits: the plan's sentence
        ("规上工业增加值能耗到2025年比2020年下降几成", "新郑市", "18%"),  # 几成 asks a figure, never a bin
        ("废品回收利用谁牵头", "新郑市", "市商务局"),  # 废品 is the plans' 再生资源
        ("建成区建筑垃圾利用率百分之几", "新郑市", "60%"),  # 建成区 is no place
        ("商场超市啥时候禁用不可降解塑料袋", "新郑市", "2025"),  # 啥时候禁 asks the plan's date
        ("国家级垃圾分类示范重点单位有几家", "新郑市", "3家"),
        ("新郑方案的指导思想里以谁为统领", "新郑市", "郑州市“无废城市”建设为统领"),
        ("快递网点包装回收装置覆盖到什么程度", "新郑市", "网点全覆盖"),  # 什么程度 asks the plan's target
    ],
)
def test_a_seed_sentence_answers_the_question(bundled_kb: KnowledgeBase, question: str, city: str, want: str) -> None:
    """Each question is answered from its sentence of the plan, not with "not found" or a bin."""
    answer = bundled_kb.answer(question, city=city)
    assert answer.intent == "policy"
    assert want in answer.text


def test_a_quoted_fallback_cites_its_section(bundled_kb: KnowledgeBase) -> None:
    """A sentence quoted because no extraction fits names the plan and section it comes from."""
    answer = bundled_kb.answer("一般工业固体废物每万元产值产生多少吨", city="新郑市")
    assert "新郑市方案 四（三）2" in answer.text


def test_a_sentence_missing_a_word_asked_is_not_quoted(index: PolicyIndex) -> None:
    """The fallback quotes no sentence on 焚烧发电厂 for a question on its 碳排放: the plan says nothing of it."""
    answer = index.answer("垃圾焚烧发电厂的碳排放目标是多少", city="新郑市")
    assert answer is not None and "没有找到" in answer.text and "原文" not in answer.text


def test_built_up_area_is_no_place() -> None:
    """建成区 (a plan's built-up area) is not a county or district of another city."""
    assert other_places_in("建成区建筑垃圾利用率百分之几") == []
    assert other_places_in("是义乌市的吗") == ["义乌市"]


@pytest.mark.parametrize("question", ["香蕉皮扔哪个桶", "废品扔哪", "过期药品属于什么垃圾"])
def test_a_bin_question_is_not_answered_from_the_plan(bundled_kb: KnowledgeBase, question: str) -> None:
    """The quoted fallback never takes a question asking for a bin."""
    assert bundled_kb.answer(question, city="新郑市").intent != "policy"
