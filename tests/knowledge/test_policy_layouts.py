"""Plans in layouts the parser was not written for (articles, bracketed units, tables) and policy questions worded
the way residents and staff ask them: synonyms, 配合/协办, reporting duties, 保障措施, places with no plan."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from bot.config import Settings
from bot.db import session_factory, transaction
from bot.runtime import ensure_ready
from knowledge import plans
from knowledge.core import KnowledgeBase
from knowledge.plan_parser import ParsedPlan, parse_plan, tables_as_paragraphs
from knowledge.service import build_knowledge

FIXTURES = Path(__file__).with_name("fixtures")
NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
EXTRA = ("qinghe-articles.txt", "wutong-table.txt")


def _plan(name: str) -> ParsedPlan:
    return parse_plan((FIXTURES / name).read_text(encoding="utf-8"))


def _task(plan: ParsedPlan, label: str):  # type: ignore[no-untyped-def]
    return next(t for t in plan.tasks if t.label == label)


def _load(settings: Settings) -> KnowledgeBase:
    factory = ensure_ready(settings)
    with transaction(factory) as session:
        for name in EXTRA:
            plans.ingest(session, text=(FIXTURES / name).read_text(encoding="utf-8"), source_name=name, now=NOW)
    with transaction(factory) as session:
        return build_knowledge(session)


@pytest.fixture(scope="module")
def four(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The whole answer core over the bundled plans and the two fixture plans (SQLite, shared by the module)."""
    folder = tmp_path_factory.mktemp("four")
    return _load(Settings(database_url=f"sqlite:///{folder / 'w.db'}", data_dir=folder))


# ---------------------------------------------------------------- parsing


def test_articles_with_bracketed_role_units() -> None:
    plan = _plan("qinghe-articles.txt")
    assert plan.city == "青禾县" and plan.doc_no == "青政办〔2024〕17号"
    industry = _task(plan, "第二章第三条")
    assert industry.title == "推进工业固废资源化利用"
    assert (industry.lead, industry.responsible) == (["县工信局"], ["县发改委", "县生态环境局"])
    assert "配合" not in industry.text and "牵头" not in industry.text
    assert _task(plan, "第二章第六条").responsible == ["县市场监管局", "县商务局"]  # 协办
    assert (_task(plan, "第二章第八条").lead, _task(plan, "第二章第八条").responsible) == ([], ["县农业农村局"])
    medical = _task(plan, "第二章第九条")  # "由县卫健委负责，县生态环境局协助。" in the prose
    assert (medical.lead, medical.responsible) == (
        ["县卫健委"],
        ["县生态环境局"],
    )  # the one 负责 while others help leads
    assert "由县卫健委负责" not in medical.text
    assert _task(plan, "第二章第十条").lead == []  # a task without any unit is still a task
    targets = {t.indicator: (t.comparator, t.value, t.unit, t.year) for t in plan.targets}
    assert targets["一般工业固体废物综合利用率"] == ("达到…以上", 60.0, "%", 2026)
    assert targets["“无废学校”"][1:3] == (20.0, "所")
    assert targets["日处理能力"][1:3] == (50.0, "吨")
    assert plan.unparsed == []


def test_task_and_indicator_tables() -> None:
    plan = _plan("wutong-table.txt")
    assert plan.city == "梧桐县"
    rows = {t.title: (t.lead, t.responsible) for t in plan.tasks}
    assert rows["生活垃圾回收利用率"] == (["县城管局"], [])
    assert rows["建设再生资源回收网点"] == (["县商务局"], ["县供销社", "各乡镇人民政府"])
    assert rows["推行绿色办公"] == (["县机关事务服务中心"], ["县直各单位"])
    targets = {t.indicator: (t.comparator, t.value, t.unit, t.year) for t in plan.targets}
    assert targets["一般工业固体废物综合利用率"] == ("达到…以上", 85.0, "%", 2025)  # "≥85%" under "2025年目标值"
    assert targets["省级以上绿色工厂数量"] == ("达到", 5.0, "家", 2025)
    assert targets["回收网点"] == ("建成", 60.0, "个", None)


def test_space_separated_table_rows_become_numbered_items() -> None:
    text = "三、任务分工\n序号  工作任务  牵头单位  配合单位\n1  推进秸秆还田  区农委  各街道\n四、保障措施"
    out = tables_as_paragraphs(text).split("\n")
    assert out == ["三、任务分工", "1. 推进秸秆还田。（牵头单位：区农委；配合单位：各街道）", "四、保障措施"]


def test_ordinary_lines_are_not_tables() -> None:
    text = "一、目标\n到2025年，  回收利用率达到40%。\n牵头单位：市城管局"
    assert tables_as_paragraphs(text) == text


# ---------------------------------------------------------------- answers


@pytest.mark.parametrize(
    ("question", "city", "wanted"),
    [
        # synonyms: 回收利用 / 资源化利用 / 综合利用, 占比 / 比例, 几家 / 多少家, 医院 / 医疗卫生机构
        ("咱新郑建筑垃圾回收利用率要搞到多少", "新郑市", "60%"),
        ("新郑秸秆回收利用率多少", None, "95%"),
        ("工业固废综合利用率能达到多少", "新郑市", "95%"),
        ("装配式建筑占比要提高到多少", "新郑市", "25%"),
        ("要新增几家省级绿色工厂", "新郑市", "2家"),
        ("医院的可回收物回收率要求是多少", "新郑市", "100%"),
        ("新密的能耗要降低多少", None, "18%"),
        ("新郑生活垃圾回收利用率目标是百分之几", None, "40%"),
        # cue words: 配合单位, 协办, 由谁负责, a task with only 责任单位
        ("秸秆综合利用的配合单位有哪些", "新郑市", "市生态环境分局"),
        ("无废城市教育的协办单位有哪些", "新郑市", "团市委"),
        ("快递包装这块归哪个部门管", "新郑市", "市邮政公司"),
        ("无废学校创建由谁负责", "新郑市", "市教育局"),
        # 保障措施 and reporting duties
        ("无废城市建设的经费谁来保障", "新郑市", "市财政局"),
        ("任务进展要报给谁", "新郑市", "领导小组"),
        ("青禾县任务进展多久报送一次", None, "每季度"),
        ("青禾县年度工作总结什么时候报送", None, "12月10日"),
        ("梧桐县工作进展多久报送一次", None, "每月25日"),
        ("青禾县每年安排多少无废城市专项资金", None, "500万元"),
        ("青禾县领导小组办公室设在哪", None, "县生态环境局"),
        # the fixture layouts
        ("青禾县工业固废综合利用的配合单位是哪些", None, "县发改委"),
        ("青禾县餐厨垃圾处理的协办单位", None, "县市场监管局"),
        ("青禾县医疗废物处置由谁负责", None, "县卫健委"),
        ("青禾县餐厨垃圾处理厂日处理能力多少吨", None, "50吨"),
        ("青禾县要建几所无废学校", None, "20所"),
        ("梧桐县生活垃圾回收利用率哪个部门牵头", None, "县城管局"),
        ("梧桐县农膜回收谁牵头", None, "县农业农村局"),
        ("梧桐县要建多少个再生资源回收网点", None, "60个"),
        ("梧桐县无废城市经费怎么保障", None, "县财政局"),
        ("青禾县建筑垃圾资源化处置厂建几座", None, "1座"),
    ],
)
def test_plan_questions_as_residents_ask_them(
    four: KnowledgeBase, question: str, city: str | None, wanted: str
) -> None:
    answer = four.answer(question, city=city)
    assert answer.intent == "policy", answer.text
    assert wanted in answer.text


@pytest.mark.parametrize(
    ("question", "place"),
    [
        ("中牟县的生活垃圾回收利用率目标是多少", "中牟"),
        ("登封建筑垃圾资源化利用率要达到多少", "登封"),
        ("巩义无废城市建设谁牵头", "巩义"),
        ("荥阳的秸秆综合利用率目标", "荥阳"),
        ("郑州市区垃圾分类覆盖率目标是多少", "郑州"),
        ("登封市无废城市领导小组组长是谁", "登封"),
        ("我们中牟县无废细胞有哪些", "中牟"),
    ],
)
def test_a_place_without_a_plan_is_told_so_with_no_figure(four: KnowledgeBase, question: str, place: str) -> None:
    answer = four.answer(question, city="新郑市")
    assert answer.intent == "policy"
    assert place in answer.text and "还没有导入" in answer.text
    assert "新郑市方案" in answer.text and "青禾县方案" in answer.text  # the plans that are loaded are named
    assert not re.search(r"\d+(\.\d+)?%", answer.text) and "杨晋" not in answer.text
    assert answer.extra["targets"] == [] and answer.extra["no_plan"].startswith(place)


def test_a_resident_whose_place_has_no_plan_gets_labelled_figures(four: KnowledgeBase) -> None:
    answer = four.answer("秸秆综合利用率目标是多少", city="登封市")
    assert answer.text.startswith("你所在的登封市还没有导入方案")
    assert "新郑市：" in answer.text and answer.confidence <= 0.6


def test_another_citys_facts_are_not_given_as_the_asked_ones(four: KnowledgeBase) -> None:
    answer = four.answer("青禾县领导小组组长是谁", city=None)
    assert "杨晋" not in answer.text
    cells = four.answer("梧桐县无废细胞有哪些类型", city=None)
    assert "郑韩古城墙遗址公园" not in cells.text


def test_sorting_questions_stay_sorting_questions(four: KnowledgeBase) -> None:
    for question in ("小区几点能扔垃圾", "世界环境日是几号", "电池谁回收", "农膜扔哪"):
        assert four.answer(question, city="新郑市").intent != "policy", question


def test_fixture_plans_answer_on_both_databases(settings: Settings) -> None:
    kb = _load(settings)
    assert "县工信局" in kb.answer("青禾县工业固废利用谁牵头").text
    assert "35%" in kb.answer("梧桐县生活垃圾回收利用率要达到百分之多少").text
    assert "还没有导入" in kb.answer("巩义市有多少个无废细胞").text
    with transaction(session_factory(settings.db_url)) as session:
        assert {short for short in (plans.short_city(t.document.city) for t in plans.list_tasks(session))} >= {
            "青禾",
            "梧桐",
        }


def test_questions_about_the_plans_themselves(four: KnowledgeBase) -> None:
    issued = four.answer("新郑的方案是哪年发布的", city=None)
    assert "新政〔2023〕6号" in issued.text and "2023年8月2日" in issued.text and "青禾" not in issued.text
    assert "青政办〔2024〕17号" in four.answer("青禾县的方案文号是多少", city=None).text
    assert "40 项任务" in four.answer("新郑一共多少项任务", city=None).text


def test_two_cities_named_get_both_figures_and_no_other(four: KnowledgeBase) -> None:
    answer = four.answer("新郑建筑垃圾利用率比新密高多少", city=None)
    assert "60%" in answer.text and "40%" in answer.text and "55%" not in answer.text


def test_what_a_task_puts_first(four: KnowledgeBase) -> None:
    answer = four.answer("社会源危险废物收集以哪些单位为重点", city="新郑市")
    assert "汽修企业" in answer.text and "四（七）1" in answer.text


def test_decimal_numbering_and_bracketed_labels() -> None:
    text = (
        "某区“无废城市”建设方案\n一、重点任务\n"
        "1.1 推进垃圾分类。到2025年底，居民小区生活垃圾分类覆盖率达到98%以上。【牵头单位】区城管局【配合单位】区商务局\n"
        "1.2 推进秸秆利用。秸秆综合利用率达到92%。（牵头：区农委；配合：区生态环境分局）\n"
    )
    plan = parse_plan(text)
    assert [(t.label, t.lead, t.responsible) for t in plan.tasks] == [
        ("一1.1", ["区城管局"], ["区商务局"]),
        ("一1.2", ["区农委"], ["区生态环境分局"]),
    ]
    assert {(t.indicator, t.value, t.year) for t in plan.targets} == {
        ("居民小区生活垃圾分类覆盖率", 98.0, 2025),
        ("秸秆综合利用率", 92.0, None),
    }
    assert plan.unparsed == []
