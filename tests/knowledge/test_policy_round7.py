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
