"""Issue #13 §3, round 16: a part of the plan counted, listed or asked by rank, a group of tasks counted, the base
year of a figure, a document the plan cites, the plan's period, a year the plan gives no figure for, and a figure
or a topic the nearest sentence does not hold (said so before the quote)."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.core import KnowledgeBase
from tests.support.plans import kb_with_plans

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)

# a fictional county, written for these tests
PLAN = (
    "椒山县人民政府文件\n"
    "椒政〔2023〕3号\n"
    "椒山县“十四五”时期“无废城市”建设实施方案\n"
    "为落实《槐州市“十四五”时期“无废城市”建设实施方案》（槐政〔2022〕9号）要求，结合我县实际，制定本方案。\n"
    "一、指导思想\n"
    "以固体废物减量化、资源化、无害化为主线，推进“无废城市”建设。\n"
    "二、基本原则\n"
    "（一）坚持统筹推进\n"
    "统筹推进各类固体废物治理。\n"
    "（二）坚持源头减量\n"
    "从源头减少固体废物产生。\n"
    "三、重点任务\n"
    "（一）推进工业固废利用\n"
    "1．建设园区循环化。到2025年，工业固体废物综合利用率达到92%。\n"
    "牵头单位：县工信局\n"
    "2．推进节能降碳。到2025年，规上工业单位增加值能耗较2020年下降15%。\n"
    "牵头单位：县发展改革委\n"
    "（二）推进生活垃圾分类\n"
    "1．完善处理设施。生活垃圾全部焚烧处理，原则上不再新建生活垃圾填埋场。\n"
    "牵头单位：县城管局\n"
    "四、保障措施\n"
    "（一）加强组织领导\n"
    "成立领导小组。\n"
    "（二）落实资金保障\n"
    "县财政局要做好经费保障。\n"
)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The bundled plans and the fictional one."""
    return kb_with_plans(tmp_path_factory, {"jiaoshan.txt": PLAN}, now=NOW)


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("椒山县方案有几个基本原则", "分2项"),  # the part's items, counted
        ("椒山县坚持哪些原则", "坚持源头减量"),  # 原则 for the plan's 基本原则
        ("椒山县主要任务分几大块", "分2项"),  # 主要任务 for the plan's 重点任务
        ("椒山县重点任务第二项是什么", "第2项是：（二）推进生活垃圾分类"),
        ("椒山县工业固废利用那一块有几项任务", "下列了2项任务"),  # a group of 重点任务, by its topic
        ("椒山县能耗下降以哪年为基数", "以2020年为基数"),
        ("椒山县能耗下降跟哪年比", "以2020年为基数"),
        ("椒山县方案依据的槐州文件文号是多少", "槐政〔2022〕9号"),  # a cited document, not the plan's own 椒政
        ("椒山县方案的规划期是哪几年", "十四五"),
        ("椒山县2030年工业固体废物综合利用率目标是多少", "方案里没有写2030年"),
        ("椒山县有几个生活垃圾填埋场", "方案里没有写这一项的具体数字"),  # the sentence holds no count
    ],
)
def test_plan_questions_round16(kb: KnowledgeBase, question: str, wanted: str) -> None:
    answer = kb.answer(question, city="椒山县")
    assert answer.intent == "policy"
    assert wanted in answer.text


def test_a_cited_document_is_not_the_plans_own_number(kb: KnowledgeBase) -> None:
    assert "椒政〔2023〕3号" not in kb.answer("椒山县方案依据的槐州文件文号是多少", city="椒山县").text


def test_a_part_is_not_counted_when_more_than_the_part_is_asked(kb: KnowledgeBase) -> None:
    # "生活垃圾填埋场" is asked, not the 重点任务 part
    assert "分2项" not in kb.answer("椒山县重点任务里生活垃圾填埋场有几个", city="椒山县").text
    # a figure the part does not hold ("135") is asked beyond it
    assert "分2项" not in kb.answer("椒山县135基本原则是啥", city="椒山县").text


@pytest.mark.parametrize(
    ("question", "city", "wanted"),
    [
        ("新郑的无废城市方案有几个基本原则", "新郑市", "分3项"),
        ("新密方案重点任务有几项", "新密市", "分6项"),
        ("新密方案有几个基本原则", "新郑市", "四个基本原则"),  # the part's own sentence counts them
        ("新郑方案危险废物这部分有几项任务", "新郑市", "下列了7项任务"),
        ("新郑这个方案一共分几部分", "新郑市", "正文分5部分"),
        ("新郑规上工业能耗下降是跟哪年比的", "新郑市", "以2020年为基数"),
        ("新密绿色工厂创建以哪年为基数", "新密市", "以2022年为基数"),
        ("新郑方案依据的郑州文件文号", "新郑市", "郑政〔2023〕11号"),
        ("国家那个工作方案是什么时候印发的", "新密市", "2021年12月"),
        ("新郑焚烧发电厂碳排放有啥要求", "新郑市", "方案里没有写到「排放」"),
        ("新郑领导小组有几个副组长", "新郑市", "副组长7名"),
        ("新郑商场超市禁止不可降解塑料袋是到哪年", "新郑市", "到2025年"),  # a measure's year, not the 印发 date
        ("新密无废景区什么时候之前要建好", "新密市", "到2023年底"),
        ("新密16家绿色工厂要多久完成", "新密市", "方案没有写明这一项的完成时间"),  # 2022 is the base, no date
        (
            "新郑经开区园区循环化改造啥时候完成",
            "新郑市",
            "到2025年，完成新郑市经济技术开发区",
        ),  # 经开区 for 经济技术开发区
        ("新郑那边医疗废物谁牵头", "新密市", "市卫健委"),  # "那边" after the place is no topic word
        ("新密领导小组组长是谁", "新密市", "方案里没有写到「组长」"),  # the drafting note names no 组长
    ],
)
def test_the_two_real_plans(bundled_kb: KnowledgeBase, question: str, city: str, wanted: str) -> None:
    answer = bundled_kb.answer(question, city=city)
    assert answer.intent == "policy"
    assert wanted in answer.text


def test_who_of_a_loaded_plans_place_is_the_plans_even_when_it_does_not_say(bundled_kb: KnowledgeBase) -> None:
    # 新密's drafting note names no units: its honest "not found", never the bin of 医疗废物
    answer = bundled_kb.answer("新密的医疗废物谁负责", city="新密市")
    assert answer.intent == "policy"
    assert "没有找到" in answer.text


def test_a_programme_word_with_a_place_with_no_plan_says_it_has_none(bundled_kb: KnowledgeBase) -> None:
    # 长葛 has no plan loaded: never 新郑's 炉渣 sentence as if it were 长葛's
    answer = bundled_kb.answer("长葛焚烧发电厂炉渣怎么处理", city="新郑市")
    assert "长葛" in answer.text and "还没有导入" in answer.text
    assert "煤矸石" not in answer.text
