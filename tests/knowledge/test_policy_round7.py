"""Issue #13 §3, round 7: tasks whose units and deadlines are only in an annex 分工表 written with full-width "｜",
indicators only in an annex table, and "什么时候完成" answered by the task's 完成时限."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.config import Settings
from bot.db import session_factory, transaction
from bot.runtime import ensure_ready
from knowledge import plans
from knowledge.core import KnowledgeBase
from knowledge.plan_parser import parse_plan
from knowledge.service import build_knowledge

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)

ANNEXED = """石泉区“无废城市”建设实施方案（2025—2027年）

一、重点任务

（一）推进源头减量。一是推行净菜上市，农贸市场净菜上市率达到70%。二是建成大件垃圾拆解中心1个。

（二）强化监管。对重点单位开展规范化评估，每年抽查不少于40家。

二、保障措施

（一）健全工作机制。各牵头单位每月5日前将上月工作进展报送区无废办。

附件1

石泉区主要指标

序号｜指标名称｜2024年现状值｜2027年目标值｜责任单位
1｜生活垃圾回收利用率｜36%｜42%｜区城市管理局
2｜建筑垃圾资源化利用率｜48%｜60%｜区住房和城乡建设局

附件2

石泉区重点任务分工表

序号｜重点任务｜牵头单位｜配合单位｜完成时限
1｜农贸市场净菜上市率达到70%｜区市场监督管理局｜区商务局、各街道办事处｜2026年底
2｜大件垃圾拆解中心｜区城市管理局｜区商务局｜2025年底
"""


def test_annex_table_rows_are_items_with_units_deadlines_and_figures() -> None:
    """The rows of an annex table become items under the annex, with their units, 完成时限 and figures."""
    plan = parse_plan(ANNEXED)
    row = next(s for s in plan.sections if s.label == "附件2第2项")
    assert row.title == "大件垃圾拆解中心"
    assert row.lead == ["区城市管理局"] and row.responsible == ["区商务局"]
    assert "完成时限：2025年底" in row.text
    figures = {(t.indicator, t.value, t.year) for t in plan.targets}
    assert ("生活垃圾回收利用率", 42.0, 2027) in figures
    assert ("生活垃圾回收利用率现状", 36.0, 2024) in figures  # the 现状值 column with its "%"
    assert any(t.title == "建筑垃圾资源化利用率" and t.lead + t.responsible for t in plan.tasks)


def test_numbered_annex_lines_that_are_no_table_stay_text() -> None:
    """A plain "1．…" list in an annex (names, indicators written as prose) is still the annex's text."""
    text = ANNEXED.split("附件1")[0] + "附件1\n\n成员名单\n1．区城市管理局\n2．区商务局\n"
    plan = parse_plan(text)
    assert not any(s.label.startswith("附件1第") for s in plan.sections)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The answer core over the bundled plans and the plan above (SQLite)."""
    folder = tmp_path_factory.mktemp("round7")
    settings = Settings(database_url=f"sqlite:///{folder / 'w.db'}", data_dir=folder)
    ensure_ready(settings)
    with transaction(session_factory(settings.db_url)) as session:
        plans.ingest(session, text=ANNEXED, source_name="shiquan.txt", now=NOW)
    with transaction(session_factory(settings.db_url)) as session:
        return build_knowledge(session)


def test_who_leads_a_prose_task_answers_from_the_annex_row(kb: KnowledgeBase) -> None:
    """The prose task names no unit; the 分工表 row holding every word of the question does."""
    answer = kb.answer("净菜上市谁牵头", city="石泉区")
    assert "区市场监督管理局" in answer.text
    assert "没有写明" not in answer.text


def test_who_for_an_indicator_answers_its_table_unit(kb: KnowledgeBase) -> None:
    """ "建筑垃圾资源化利用率归哪个局管": the indicator table's 责任单位."""
    assert "区住房和城乡建设局" in kb.answer("建筑垃圾利用率归哪个局管", city="石泉区").text


def test_when_done_gives_the_rows_deadline_not_the_plans_date(kb: KnowledgeBase) -> None:
    """ "哪年建成" is the task's 完成时限, never the plan's title and date."""
    answer = kb.answer("大件垃圾拆解中心哪年建成", city="石泉区")
    assert "2025年底" in answer.text
    assert "《" not in answer.text
    assert "2026年底" in kb.answer("净菜上市什么时候完成", city="石泉区").text


def test_baseline_from_the_annex_indicator_table(kb: KnowledgeBase) -> None:
    """ "现在…是多少" is the 现状值 column, the target is the 目标值 column."""
    assert "36%" in kb.answer("石泉区现在生活垃圾回收利用率是多少", city="石泉区").text
    assert "42%" in kb.answer("石泉区生活垃圾回收利用率到2027年要多少", city="石泉区").text


def test_an_indicator_list_with_two_years_keeps_both_figures() -> None:
    """ "（1）生活垃圾回收利用率：2025年达到37%，2026年达到40%；" is two targets, one per year."""
    from knowledge.plan_parser import extract_targets

    found, _missed = extract_targets("生活垃圾回收利用率：2025年达到37%，2026年达到40%；")
    assert [(t.indicator, t.value, t.year) for t in found] == [
        ("生活垃圾回收利用率", 37.0, 2025),
        ("生活垃圾回收利用率", 40.0, 2026),
    ]
    kept, _ = extract_targets("医疗废物收集处置覆盖率：保持100%；")
    assert [(t.indicator, t.value) for t in kept] == [("医疗废物收集处置覆盖率", 100.0)]


UNITS_AT_END = """桐溪县“无废城市”建设工作方案（2024—2026年）

一、重点任务

（一）推进生活垃圾分类

1．完善分类投放设施。按照每300户至少设置1个分类投放点的标准设置投放点，新增智能回收箱200台。牵头单位：县城市管理局；配合单位：县商务局；完成时限：2025年12月底。

2．加强再生资源回收。建成回收站点150个，再生资源回收量年均增长5%。牵头单位：县商务局；配合单位：县供销合作社；完成时限：2026年12月底。

3．建设危险废物收集平台。建成小微企业危险废物集中收集贮存点1个，年收集能力5000吨。牵头单位：县生态环境分局；完成时限：2025年9月底。

（二）营造氛围

1．开展“无废细胞”创建。建成“无废学校”15所。牵头单位：县生态环境分局；配合单位：县教育局、县委宣传部。

2．配备督导员。县城市管理局负责，各乡镇人民政府配合，每个投放点配备垃圾分类督导员。

二、保障措施

（一）组织领导。领导小组办公室设在县生态环境分局，县无废办每季度召开一次推进会。

（二）宣传。以学校、社区为重点开展宣传，主要指标见附件。
"""


@pytest.fixture(scope="module")
def kb_end(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The answer core over the bundled plans and a plan with units at the end of each task paragraph."""
    folder = tmp_path_factory.mktemp("round7b")
    settings = Settings(database_url=f"sqlite:///{folder / 'w.db'}", data_dir=folder)
    ensure_ready(settings)
    with transaction(session_factory(settings.db_url)) as session:
        plans.ingest(session, text=UNITS_AT_END, source_name="tongxi.txt", now=NOW)
    with transaction(session_factory(settings.db_url)) as session:
        return build_knowledge(session)


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("智能回收箱新增几台", "200台"),  # 几台: a count the item path must not take
        ("多少户设一个分类投放点", "300户"),  # the asked unit is in a sentence, not a parsed target
        ("再生资源回收量每年增长多少", "5%"),  # 每年增长 = 年均增长
        ("小微企业危废收集点一年能收多少", "5000吨"),  # 一年能收 = 年收集能力
        ("危险废物收集平台哪年几月完成", "2025年9月底"),  # 完成时限 at the end of the paragraph
        ("无废办设在哪", "县生态环境分局"),  # 无废办 = 领导小组办公室
        ("推进会多久开一次", "每季度"),  # the sentence holding 推进会 wins the tie
        ("宣传以什么为重点", "学校"),  # the sentence holding 为重点
        ("无废细胞创建配合单位有哪些", "县教育局"),  # who helps, not which kinds of 无废细胞
        ("垃圾分类督导员由谁配备", "县城市管理局"),  # 督导 is the topic, the question asks who
    ],
)
def test_cue_words_and_synonyms(kb_end: KnowledgeBase, question: str, want: str) -> None:
    """Questions worded the way staff ask get the plan's figure, unit or deadline."""
    answer = kb_end.answer(question, city="桐溪县")
    assert answer.intent == "policy"
    assert want in answer.text


WHAT_PLAN = """柳林县“无废城市”建设实施方案

一、指导思想

以习近平生态文明思想为指导，推动固体废物源头减量和资源化利用。

二、基本原则

（一）坚持政府引导与市场运作

（二）坚持问题导向与系统治理

三、重点任务

（一）推进塑料污染治理

1．深入推进禁塑限塑。到2025年，全县宾馆、酒店不再主动提供一次性塑料用品，餐饮外卖禁止使用不可降解一次性塑料餐具。
牵头单位：县发展改革委

2．农膜回收。推广生物可降解地膜，建立健全对回收处置企业财政补贴机制。
牵头单位：县农业农村局

3．减塑试点。以食品行业龙头企业为试点开展减塑行动。
牵头单位：县工业和信息化局
"""


@pytest.fixture(scope="module")
def kb_what(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The answer core over the bundled plans and a plan asked about in plain words."""
    folder = tmp_path_factory.mktemp("round7c")
    settings = Settings(database_url=f"sqlite:///{folder / 'w.db'}", data_dir=folder)
    ensure_ready(settings)
    with transaction(session_factory(settings.db_url)) as session:
        plans.ingest(session, text=WHAT_PLAN, source_name="liulin.txt", now=NOW)
    with transaction(session_factory(settings.db_url)) as session:
        return build_knowledge(session)


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("柳林的指导思想是什么", "生态文明思想"),  # a part named by its title: its text
        ("基本原则有哪些", "坚持政府引导与市场运作"),  # a part with items: the items
        ("宾馆酒店还会主动提供一次性用品吗", "不再主动提供"),  # the plan's rule, not the bin of 一次性用品
        ("外卖还能用不可降解的塑料餐具吗", "禁止使用"),
        ("推广用什么地膜", "生物可降解地膜"),
        ("农膜回收企业有没有补贴", "财政补贴"),
        ("减塑以什么为试点", "龙头企业"),
    ],
)
def test_what_the_plan_says(kb_what: KnowledgeBase, question: str, want: str) -> None:
    """Questions about what the plan says, in words that name an item or no figure, quote the plan."""
    answer = kb_what.answer(question, city="柳林县")
    assert answer.intent == "policy"
    assert want in answer.text


def test_a_part_title_inside_a_who_question_still_asks_who(kb_what: KnowledgeBase) -> None:
    """ "农膜回收谁牵头" names a task, and the unit answers it."""
    assert "县农业农村局" in kb_what.answer("农膜回收配合单位有哪些，谁牵头", city="柳林县").text


def test_an_item_question_with_a_bin_word_stays_an_item_question(kb_what: KnowledgeBase) -> None:
    """ "一次性塑料餐具扔哪个桶" asks for the bin even though the plan has a rule about it."""
    assert kb_what.answer("一次性塑料餐具扔哪个桶", city="柳林县").intent in ("sorting", "clarify")
