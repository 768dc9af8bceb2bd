"""Dialog tests for policy questions over both seed plans."""

from __future__ import annotations

import pytest

from knowledge.policy import PolicyIndex


def _values(answer: object) -> set[tuple[str, float]]:
    return {(t["indicator"], t["value"]) for t in answer.extra["targets"]}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("question", "indicator", "value", "cite"),
    [
        ("建筑垃圾利用率目标", "市建成区建筑垃圾资源化利用率", 60.0, "新郑市方案 四（五）1"),
        ("建筑垃圾资源化利用率到2025年多少", "市建成区建筑垃圾资源化利用率", 60.0, "新郑市方案 四（五）1"),
        ("建筑垃圾能利用多少", "市建成区建筑垃圾资源化利用率", 60.0, "新郑市方案 四（五）1"),
        ("快递绿色包装使用率目标是多少", "快递绿色包装使用率", 93.0, "新郑市方案 四（四）9"),
        ("到2025年生活垃圾回收利用率要达到多少", "生活垃圾回收利用率", 40.0, "新郑市方案 四（四）5"),
        ("新郑的宣传普及率目标是多少", "“无废城市”建设宣传教育培训普及率", 90.0, "四（八）1"),
        ("工业固体废物综合利用率要求", "工业固体废物综合利用率", 95.0, "四（三）1"),
        ("秸秆利用率要达到多少", "秸秆综合利用率", 95.0, "四（六）1"),
    ],
)
def test_target_questions_for_a_known_city(
    index: PolicyIndex, question: str, indicator: str, value: float, cite: str
) -> None:
    answer = index.answer(question, city="新郑市")
    assert answer is not None and answer.intent == "policy"
    assert (indicator, value) in _values(answer)
    assert f"{value:g}" in answer.text and "2025" in answer.text and cite in answer.text
    assert answer.confidence >= 0.6
    first = answer.extra["targets"][0]
    assert set(first) == {"indicator", "comparator", "value", "unit", "year", "city", "section"}


def test_without_a_city_each_city_is_named(index: PolicyIndex) -> None:
    answer = index.answer("建筑垃圾利用率目标", city=None)
    assert answer is not None
    assert {("市建成区建筑垃圾资源化利用率", 60.0), ("城市建成区利用率", 40.0)} <= _values(answer)
    assert "新郑市：" in answer.text and "新密市：" in answer.text


def test_city_named_in_the_question_wins(index: PolicyIndex) -> None:
    answer = index.answer("新密的农膜回收率目标", city="新郑市")
    assert answer is not None
    assert _values(answer) == {("农膜回收率", 97.0)}
    assert "新密市方案" in answer.text


def test_a_city_without_the_figure_says_so_and_names_the_other(index: PolicyIndex) -> None:
    answer = index.answer("新密的生活垃圾回收利用率目标", city=None)
    assert answer is not None
    assert answer.text.startswith("新密市的方案里没有找到")
    assert "新郑市：" in answer.text and "40%" in answer.text
    assert answer.confidence < 0.9


def test_who_leads_a_task(index: PolicyIndex) -> None:
    answer = index.answer("秸秆综合利用谁牵头?", city=None)
    assert answer is not None and answer.intent == "policy"
    assert answer.extra["units"] == {"lead": ["市农委"], "responsible": ["市生态环境分局", "各乡镇（街道、管委会）"]}
    assert "新郑市方案 四（六）1" in answer.text


def test_what_a_unit_is_responsible_for(index: PolicyIndex) -> None:
    answer = index.answer("市城管局负责哪些任务?", city=None)
    assert answer is not None
    led = [t["label"] for t in answer.extra["tasks"] if t["role"] == "lead"]
    assert "四（五）1" in led and "四（四）5" in led
    assert index.answer("城管局管什么", city=None) is not None


def test_cell_types(index: PolicyIndex) -> None:
    answer = index.answer("无废细胞有哪些类型", city="新郑市")
    assert answer is not None
    for word in ("机关", "酒店", "集贸市场", "医院", "郑韩古城墙遗址公园", "黄帝故里景区"):
        assert word in answer.text
    both = index.answer("无废细胞有哪些类型", city=None)
    assert both is not None and "伏羲山红石林景区" in both.text


def test_indicator_system_and_leadership(index: PolicyIndex) -> None:
    answer = index.answer("新密有多少个指标", city=None)
    assert answer is not None and "48" in answer.text and "24" in answer.text
    leaders = index.answer("领导小组组长是谁", city="新郑市")
    assert leaders is not None and "杨晋" in leaders.text


def test_plan_question_without_an_answer_says_so(index: PolicyIndex) -> None:
    answer = index.answer("垃圾焚烧发电厂的碳排放目标是多少", city="新郑市")
    assert answer is not None and answer.intent == "policy"
    assert answer.confidence < 0.5
    assert "没有找到" in answer.text
    assert "%" not in answer.text


@pytest.mark.parametrize(
    "question", ["电池扔哪个桶", "你好", "塑料瓶是什么垃圾", "什么是无废细胞", "厨余垃圾有什么要求"]
)
def test_not_policy_questions_are_left_alone(index: PolicyIndex, question: str) -> None:
    assert index.answer(question, city="新郑市") is None
