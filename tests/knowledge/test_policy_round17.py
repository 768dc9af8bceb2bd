"""Issue #13 §3, round 16 (policy17): a stream's facility, capacity, site or fee is a plan question (its sentence or
an honest "not written"), never a bin; an FAQ does not answer for another place of 郑州 than the one named nor a sum
it does not hold; 郑州 (the prefecture) asked who/where is quoted from a loaded plan that says it; a drafting
sentence quoted for a deadline or a drafter says that it does not hold them."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.core import KnowledgeBase
from tests.support.plans import kb_with_plans

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)

# a fictional county, written for these tests
PLAN = (
    "棘川县“十四五”时期“无废城市”建设实施方案\n"
    "一、重点任务\n"
    "（一）补齐医疗废物短板\n"
    "1．提升医疗废物处置能力。新建医疗废物集中处置设施一座，建设乡镇医疗废物周转站。\n"
    "牵头单位：县卫生健康委\n"
    "（二）规范建筑垃圾管理\n"
    "1．加强清运监管。执行建筑垃圾处置核准制度，避免无序消纳。到2025年，建筑垃圾资源化利用率达到50%。\n"
    "牵头单位：县住建局\n"
)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The bundled plans and the fictional one."""
    return kb_with_plans(tmp_path_factory, {"jichuan.txt": PLAN}, now=NOW)


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("棘川县医疗废物处置能力怎么提升", "医疗废物集中处置设施"),  # the plan's sentence, not "医疗废物属于非生活垃圾"
        ("医疗废物处置能力咋提高", "医疗废物集中处置设施"),  # the resident's own plan
        ("建筑垃圾消纳场在哪", "没有写到「消纳场」"),  # "无序消纳" is no site
        ("建筑垃圾清运费多少钱一吨", "没有"),  # a stream's fee: not written, never a bin
        ("填埋场渗滤液怎么处理", "没有找到"),
    ],
)
def test_a_streams_facility_is_a_plan_question(kb: KnowledgeBase, question: str, wanted: str) -> None:
    answer = kb.answer(question, city="棘川县")
    assert answer.intent == "policy"
    assert wanted in answer.text


def test_a_bin_question_on_the_stream_stays_a_sorting_question(kb: KnowledgeBase) -> None:
    assert kb.answer("建筑垃圾扔哪个桶", city="棘川县").intent in ("sorting", "clarify")


def test_an_faq_about_another_place_does_not_answer_for_the_one_named(kb: KnowledgeBase) -> None:
    # the cells FAQ quotes 新郑's plan: asked of 新密, 新密's own note answers
    text = kb.answer("新密的无废细胞有哪些", city="新密市").text
    assert "机关" in text and "新密" in text
    assert "新郑方案" not in text


def test_an_faq_without_the_sum_asked_does_not_answer_it(kb: KnowledgeBase) -> None:
    answer = kb.answer("农村垃圾分类补贴多少钱", city="新郑市")
    assert "二次四分" not in answer.text


def test_the_prefecture_asked_who_is_quoted_from_the_plan_that_says_it(kb: KnowledgeBase) -> None:
    text = kb.answer("谁提交了支持郑州建设无废城市的建议", city="新密市").text
    assert "还没有导入" in text and "安伟" in text


def test_a_drafting_sentence_does_not_answer_a_deadline_or_a_drafter(kb: KnowledgeBase) -> None:
    assert "没有写到「截止时间」" in kb.answer("新密方案征求意见截止到什么时候", city="新密市").text
    assert "没有写到「起草单位」" in kb.answer("新密无废城市方案是哪个部门起草的", city="新密市").text
