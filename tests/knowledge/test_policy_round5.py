"""Issue #13 §3, round 5: plans whose title starts with the county name, indicator tables with the unit in its own
column, "任务N：" items with "由…负责，…配合", 主办/协办 labels, bullet indicator lists ("…率：≥94%"), another city's
figures quoted in a plan, and the questions people ask about them (谁来管, 主办单位, 几处, 收费标准由哪个部门定)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.config import Settings
from bot.db import session_factory, transaction
from bot.runtime import ensure_ready
from knowledge import plans
from knowledge.core import KnowledgeBase
from knowledge.plan_parser import extract_targets, guess_city, parse_plan
from knowledge.service import build_knowledge

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)

UNIT_TABLE_PLAN = """青石县“无废城市”建设工作方案（2025—2027年）

一、工作目标
到2027年，全县一般工业固体废物综合利用率达到88%。开封市建设经验表明，建筑垃圾资源化利用率可以达到93%。

二、主要指标

序号	指标名称	单位	2024年基期值	2027年目标值	责任单位
1	建筑垃圾资源化利用率	%	55	82	县住房和城乡建设局
2	餐厨垃圾处理能力	吨/日	0	60	县城市管理局

三、重点任务
（一）生活垃圾分类
任务1：建设垃圾分类投放亭。城区新建（改造）分类投放亭150个。由县城市管理局负责，各街道办事处、县住房和城乡建设局配合。
任务2：开展农药包装废弃物回收。建设农药包装废弃物回收点25个，回收率达到75%。由县农业农村局负责，县供销合作社配合。
（二）无废细胞
任务3：创建无废社区6个、无废学校9所。由县“无废城市”建设工作专班负责，县教育局配合。

四、保障措施
（一）监督考核。对工作推进不力的单位进行约谈。
"""

HOST_PLAN = """松溪市“无废城市”建设实施方案

第一章 建设指标
指标名称    单位    现状值（2024年）    目标值（2027年）    指标类型
城市生活垃圾资源化利用率    %    50    68    预期性

第二章 主要任务
一、推进餐厨垃圾收运处理。建成餐厨垃圾处理厂1座；餐厨垃圾收费标准由市发展和改革委员会另行制定。
主办单位：市城市管理局；协办单位：市市场监督管理局
二、提升再生资源回收水平。建设回收站点200个、分拣中心3个。
主办单位：市商务局；协办单位：市供销合作社
"""

POINTS_PLAN = """芦荡县2025年“无废城市”建设工作要点

2025年，全县要以农村生活垃圾治理为重点，统筹推进各领域固体废物减量。

一、主要指标
· 农作物秸秆综合利用率：≥94%（商丘市秸秆综合利用率已达97%，仅供对比）
· 废旧农膜回收率：≥86%

二、重点工作
1. 工业固废贮存场整治。完成4处历史遗留工业固废堆存场所整治。（牵头部门：县生态环境分局）
2. 塑料污染治理。县城商超禁止使用不可降解塑料购物袋。（牵头部门：县市场监督管理局；参与部门：县商务局）
"""


def _task(text: str, label: str):  # type: ignore[no-untyped-def]
    return next(t for t in parse_plan(text).tasks if t.label == label)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The answer core over the bundled plans and the three plans above (SQLite)."""
    folder = tmp_path_factory.mktemp("round5")
    settings = Settings(database_url=f"sqlite:///{folder / 'w.db'}", data_dir=folder)
    ensure_ready(settings)
    with transaction(session_factory(settings.db_url)) as session:
        for name, text in (("qingshi.txt", UNIT_TABLE_PLAN), ("songxi.txt", HOST_PLAN), ("ludang.txt", POINTS_PLAN)):
            plans.ingest(session, text=text, source_name=name, now=NOW)
    with transaction(session_factory(settings.db_url)) as session:
        return build_knowledge(session)


# ---------------------------------------------------------------- parsing


def test_city_from_a_title_that_starts_with_the_county_name() -> None:
    assert guess_city("芦荡县2025年“无废城市”建设工作要点") == "芦荡县"
    assert guess_city("青石县“无废城市”建设工作方案（2025—2027年）") == "青石县"
    assert parse_plan(POINTS_PLAN).city == "芦荡县"


def test_indicator_table_with_a_unit_column_and_a_baseline_column() -> None:
    found = {(t.indicator, t.value, t.unit, t.year) for t in parse_plan(UNIT_TABLE_PLAN).targets}
    assert ("建筑垃圾资源化利用率", 82.0, "%", 2027) in found  # the 目标值 column's year, not the baseline's
    assert ("餐厨垃圾处理能力", 60.0, "吨/日", 2027) in found
    assert ("建筑垃圾资源化利用率现状", 55.0, "%", 2024) in found  # the 基期值, stored apart from the target
    songxi = {(t.indicator, t.value, t.unit) for t in parse_plan(HOST_PLAN).targets}
    assert ("城市生活垃圾资源化利用率", 68.0, "%") in songxi  # a space-aligned table with no unit column role


def test_another_citys_figure_quoted_in_a_plan_is_not_its_target() -> None:
    plan = parse_plan(UNIT_TABLE_PLAN)
    assert not any(t.value == 93.0 for t in plan.targets)
    assert any("开封" in f.text for f in plan.unparsed)
    points = parse_plan(POINTS_PLAN)
    assert {t.value for t in points.targets if "秸秆" in t.indicator} == {94.0}  # not 商丘's 97% in brackets


def test_task_items_with_responsible_and_helping_units() -> None:
    booth = _task(UNIT_TABLE_PLAN, "三（一）任务1")
    assert booth.title == "建设垃圾分类投放亭"
    assert (booth.lead, booth.responsible) == (["县城市管理局"], ["各街道办事处", "县住房和城乡建设局"])
    cells = _task(UNIT_TABLE_PLAN, "三（二）任务3")
    assert cells.lead == ["县“无废城市”建设工作专班"]
    host = _task(HOST_PLAN, "第二章一")
    assert (host.lead, host.responsible) == (["市城市管理局"], ["市市场监督管理局"])  # 主办 / 协办


def test_count_verbs_inside_and_across_a_list() -> None:
    found = {(t.indicator, t.value, t.unit) for t in parse_plan(UNIT_TABLE_PLAN).targets}
    assert ("分类投放亭", 150.0, "个") in found  # 新建（改造）分类投放亭150个
    assert {("无废社区", 6.0, "个"), ("无废学校", 9.0, "所")} <= found  # the second item after 、
    part, _missed = extract_targets("到2025年，全县建成再生资源回收网点90个，其中乡镇分拣中心5个。")
    assert ("乡镇分拣中心", 5.0) in {(t.indicator, t.value) for t in part}  # a part of the count before it
    targets, _missed = extract_targets("县财政每年安排“无废城市”建设专项资金200万元。")
    assert all(t.comparator != "建设" for t in targets)  # a name with 建设 in it is not a count of what was built


# ---------------------------------------------------------------- answers


@pytest.mark.parametrize(
    ("question", "city", "expected"),
    [
        ("建筑垃圾资源化利用率目标是多少", "青石县", "82%"),
        ("建筑垃圾资源化利用率可以达到多少", "青石县", "82%"),  # not 开封's 93% quoted in the plan
        ("投放亭要建多少个", "青石县", "150个"),
        ("投放亭建设协办单位", "青石县", "各街道办事处"),
        ("农药包装回收率", "青石县", "75%"),
        ("无废学校创建多少所", "青石县", "9所"),
        ("推进不力会怎样", "青石县", "约谈"),
        ("城市生活垃圾回收利用率目标百分之几", "松溪市", "68%"),
        ("分拣中心建几个", "松溪市", "3个"),
        ("再生资源回收主办单位", "松溪市", "市商务局"),
        ("餐厨垃圾收费标准由哪个部门制定", "松溪市", "市发展和改革委员会"),
        ("秸秆综合利用率要达到多少", "芦荡县", "94%"),
        ("今年工作以什么为重点", "芦荡县", "农村生活垃圾治理"),
        ("工业固废堆存场所整治几处", "芦荡县", "4处"),
        ("工业固废堆场整治谁负责", "芦荡县", "县生态环境分局"),
        ("不可降解塑料袋谁来管", "芦荡县", "县市场监督管理局"),
    ],
)
def test_plan_questions_in_resident_wording(kb: KnowledgeBase, question: str, city: str, expected: str) -> None:
    answer = kb.answer(question, city=city)
    assert answer.intent == "policy", answer.text
    assert expected in answer.text


def test_the_baseline_column_answers_only_a_question_about_now(kb: KnowledgeBase) -> None:
    now = kb.answer("城市生活垃圾资源化利用率现在是多少", city="松溪市")
    assert "50%" in now.text
    target = kb.answer("城市生活垃圾资源化利用率要达到多少", city="松溪市")
    assert "68%" in target.text and "50%" not in target.text


def test_a_quoted_city_has_no_plan_of_its_own(kb: KnowledgeBase) -> None:
    answer = kb.answer("开封市建筑垃圾资源化利用率是多少", city="青石县")
    assert "开封" in answer.text and "没有导入" in answer.text
    assert "93%" not in answer.text


def test_a_county_with_no_plan_is_told_so(kb: KnowledgeBase) -> None:
    answer = kb.answer("俺们襄城县农膜回收率百分之几", city="襄城县")
    assert "襄城" in answer.text and "没有导入" in answer.text and "%" not in answer.text
