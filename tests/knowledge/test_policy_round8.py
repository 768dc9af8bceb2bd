"""Issue #13 §3, round 8: indicator and task-division tables drawn with box characters whose cells wrap over several
text lines, an 指标属性 column, and plan questions worded the way residents and staff ask."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.config import Settings
from bot.db import session_factory, transaction
from bot.runtime import ensure_ready
from knowledge import plans
from knowledge.core import KnowledgeBase
from knowledge.plan_parser import box_tables_as_rows, parse_plan
from knowledge.service import build_knowledge

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)

BOXED = """石岭县“无废城市”建设工作方案（2023—2025年）

一、工作目标

到2025年，固体废物综合利用水平明显提升。主要指标见附件1。

二、保障措施

（一）强化调度。各牵头单位于每季度末月25日前将任务进展情况报送县无废办。

附件1

石岭县主要指标

┌────┬────────────────┬────┬──────────┬────────────┬────────┐
│序号│指标名称        │单位│2022年基数│2025年目标值│指标属性│
├────┼────────────────┼────┼──────────┼────────────┼────────┤
│1   │一般工业固体废物│%   │86        │92          │约束性  │
│    │综合利用率      │    │          │            │        │
├────┼────────────────┼────┼──────────┼────────────┼────────┤
│2   │省级绿色工厂数量│家  │5         │8           │预期性  │
└────┴────────────────┴────┴──────────┴────────────┴────────┘

附件2

石岭县任务分工表

┌────┬────────────┬────────────────────────┬──────────┬──────────────┬────────┐
│序号│重点任务    │具体措施                │牵头单位  │配合单位      │完成时限│
├────┼────────────┼────────────────────────┼──────────┼──────────────┼────────┤
│1   │生活垃圾焚烧│扩建生活垃圾焚烧发电厂二│县城市管理│县发展和改革委│2024年10│
│    │发电厂扩建  │期工程，新增日处理能力60│局        │员会、县自然资│月底    │
│    │            │0吨                     │          │源局          │        │
├────┼────────────┼────────────────────────┼──────────┼──────────────┼────────┤
│2   │小微企业危险│建成集中收集贮存点2个   │          │县生态环境分局│2025年6 │
│    │废物收集    │                        │          │              │月底    │
├────┼────────────┼────────────────────────┼──────────┼──────────────┼────────┤
│3   │塑料污染治理│商超禁止使用不可降解塑料│县发展和改│县商务局      │2025年12│
│    │            │袋                      │革委员会  │              │月底    │
└────┴────────────┴────────────────────────┴──────────┴──────────────┴────────┘
"""


def test_box_rows_join_the_pieces_of_each_wrapped_cell() -> None:
    """Each row between two rules is one tab-separated line; wrapped pieces are joined, an empty cell is "—"."""
    rows = box_tables_as_rows(BOXED.split("附件2")[1]).strip().split("\n")[2:]
    assert rows[0] == "序号\t重点任务\t具体措施\t牵头单位\t配合单位\t完成时限"
    assert rows[1].split("\t") == [
        "1",
        "生活垃圾焚烧发电厂扩建",
        "扩建生活垃圾焚烧发电厂二期工程，新增日处理能力600吨",
        "县城市管理局",
        "县发展和改革委员会、县自然资源局",
        "2024年10月底",
    ]
    assert rows[2].split("\t")[3] == "—"


def test_box_rows_without_rules_between_rows_start_at_a_number() -> None:
    """A frame with a rule only under the header: a line numbered in the first column starts the next row."""
    text = "\n".join(
        [
            "+----+--------+--------+",
            "|序号|重点任务|牵头单位|",
            "+----+--------+--------+",
            "|1   |餐厨垃圾|县城市管|",
            "|    |处理    |理局    |",
            "|2   |农膜回收|县供销社|",
            "+----+--------+--------+",
        ]
    )
    assert box_tables_as_rows(text).split("\n") == [
        "序号\t重点任务\t牵头单位",
        "1\t餐厨垃圾处理\t县城市管理局",
        "2\t农膜回收\t县供销社",
    ]


def test_markdown_tables_are_left_to_the_bar_reader() -> None:
    """Bars with no frame line above them (a markdown table) are not rewritten here."""
    text = "| 序号 | 重点任务 | 牵头单位 |\n|---|---|---|\n| 1 | 餐厨垃圾 | 县城市管理局 |"
    assert box_tables_as_rows(text) == text


def test_boxed_tables_give_items_units_deadlines_baselines_and_kinds() -> None:
    """The boxed rows become annex items with their units, 完成时限, targets, 2022年 baselines and 指标属性."""
    plan = parse_plan(BOXED)
    row = next(s for s in plan.sections if s.label == "附件2第1项")
    assert row.title == "生活垃圾焚烧发电厂扩建"
    assert row.lead == ["县城市管理局"] and row.responsible == ["县发展和改革委员会", "县自然资源局"]
    assert "完成时限：2024年10月底" in row.text and "600吨" in row.text
    second = next(s for s in plan.sections if s.label == "附件2第2项")
    assert second.lead == [] and second.responsible == ["县生态环境分局"]
    figures = {(t.indicator, t.value, t.year) for t in plan.targets}
    assert ("一般工业固体废物综合利用率", 92.0, 2025) in figures
    assert ("一般工业固体废物综合利用率现状", 86.0, 2022) in figures
    assert ("省级绿色工厂数量现状", 5.0, 2022) in figures
    annex1 = next(s for s in plan.sections if s.label == "附件1第1项")
    assert "约束性" in annex1.text


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The answer core over the bundled plans and the boxed plan above (SQLite)."""
    folder = tmp_path_factory.mktemp("round8")
    settings = Settings(database_url=f"sqlite:///{folder / 'w.db'}", data_dir=folder)
    ensure_ready(settings)
    with transaction(session_factory(settings.db_url)) as session:
        plans.ingest(session, text=BOXED, source_name="shiling.txt", now=NOW)
    with transaction(session_factory(settings.db_url)) as session:
        return build_knowledge(session)


@pytest.mark.parametrize(
    ("question", "must"),
    [
        ("焚烧厂扩建谁牵头", "县城市管理局"),
        ("焚烧发电厂二期新增日处理能力多少", "600吨"),
        ("焚烧厂扩建哪年完成", "2024年10月"),
        ("石岭2022年有几家省级绿色工厂", "5家"),
        ("一般工业固废综合利用率目标", "92%"),
    ],
)
def test_boxed_plan_answers(kb: KnowledgeBase, question: str, must: str) -> None:
    """Questions on the boxed tables are answered from the rows, not from the prose headings."""
    assert must in kb.answer(question, city="石岭县").text


@pytest.mark.parametrize(
    ("question", "city", "must"),
    [
        # a baseline year asked: the 现状 of that year, not the target of 2025
        ("新密2022年有几家绿色工厂", "新密市", "9家"),
        ("一般工业固废综合利用率2022年基数是多少", "石岭县", "86%"),
        # a loaded plan's place named in a yes/no or 用在哪 question: that plan's sentence, not the FAQ or the bin
        ("新郑农村也要垃圾分类吗", "新郑市", "新郑市方案"),
        ("新郑的再生骨料用在哪", "新郑市", "建筑工程和道路工程"),
        # 指标属性 of a boxed table row
        ("一般工业固体废物综合利用率是约束性指标吗", "石岭县", "约束性指标"),
        ("省级绿色工厂数量是约束性还是预期性指标", "石岭县", "预期性指标"),
        # the plan's own focus, not one task's 以…为重点
        ("新郑方案以什么为重点", "新郑市", "五大"),
        # the asked city's plan says it in words: its sentence, not another city's figure
        ("新郑化肥施用量有啥要求", "新郑市", "稳中有降"),
        # a misspelling and residents' words for the plan's terms
        ("新郑秸杆综合利用率要达到多少", "新郑市", "95%"),
        ("农药瓶子回收这事归哪个部门管", "新郑市", "市农委"),
        ("限塑这块谁牵头", "石岭县", "县发展和改革委员会"),
        ("装配式建筑是哪个局管", "新郑市", "市住建局"),
        # "什么保险", "哪几家": the plan sentence names them
        ("危废经营单位要买什么保险", "新郑市", "环境污染责任保险"),
        ("垃圾分类借鉴哪几家示范单位", "新郑市", "郑州市总工会"),
        # where something is built, when the plan does not say
        ("石岭焚烧发电厂扩建在哪个乡镇", "石岭县", "没有写明具体建在哪里"),
    ],
)
def test_plan_questions_in_residents_words(kb: KnowledgeBase, question: str, city: str, must: str) -> None:
    """Plan questions worded as residents and staff ask them get the plan's answer."""
    answer = kb.answer(question, city=city)
    assert answer.intent == "policy"
    assert must in answer.text


def test_a_baseline_is_said_as_that_year_not_as_a_target(kb: KnowledgeBase) -> None:
    """A 现状 figure reads "2022年，…现状为…", never "到2022年" as if it were a target."""
    text = kb.answer("新密2022年有几家绿色工厂", city="新密市").text
    assert "2022年，绿色工厂现状为9家" in text and "到2022年" not in text


def test_a_bin_question_naming_a_loaded_place_still_gets_the_bin(kb: KnowledgeBase) -> None:
    """ "新郑电池是有害垃圾吗" names a loaded plan's place, but asks for a bin."""
    assert kb.answer("新郑电池是有害垃圾吗", city="新郑市").intent != "policy"


@pytest.mark.parametrize(
    ("question", "city", "must"),
    [
        ("新密能耗下降比国家要求好多少", "新密市", "4.5个百分点"),  # a figure against another: the plan's sentence
        ("淘汰落后产能是哪个局牵头", "新郑市", "市科工信局"),  # 落后产能 = 落后生产工艺装备
        ("新密方案参照的是哪个文件", "新密市", "郑政〔2023〕11号"),  # 文件 is no topic word
    ],
)
def test_comparisons_and_staff_words(kb: KnowledgeBase, question: str, city: str, must: str) -> None:
    """Staff wordings: a comparison, a policy term the plan spells out, "哪个文件"."""
    assert must in kb.answer(question, city=city).text


KEYED = """石桥市“无废城市”建设实施方案

一、重点任务

1．推进生活垃圾分类。到2025年，城区生活垃圾分类覆盖率达到100%。

牵头单位：市城市管理局；配合单位：各区政府

附件1

主要指标

1．指标名称：生活垃圾回收利用率；2022年现状值：30%；2025年目标值：40%；指标属性：约束性
2．指标名称：建筑垃圾资源化利用率；2022年现状值：35%；2025年目标值：50%；指标属性：预期性

附件2

重点任务分工

重点任务：建设餐厨垃圾处理厂
牵头单位：市城市管理局
配合单位：市发展改革委
完成时限：2025年底

重点任务：推广装配式建筑
牵头单位：市住房城乡建设局
完成时限：2026年底
"""


def test_key_value_records_are_read_as_table_rows() -> None:
    """ "指标名称：…；2025年目标值：…" lines and one-field-a-line records become annex rows; a task's own unit line
    ("牵头单位：…；配合单位：…", no name field) stays the task's."""
    plan = parse_plan(KEYED)
    figures = {(t.indicator, t.value, t.year) for t in plan.targets}
    assert ("生活垃圾回收利用率", 40.0, 2025) in figures
    assert ("建筑垃圾资源化利用率现状", 35.0, 2022) in figures
    rows = {s.label: s for s in plan.sections}
    assert "预期性" in rows["附件1第2项"].text
    assert rows["附件2第1项"].title == "建设餐厨垃圾处理厂"
    assert rows["附件2第1项"].lead == ["市城市管理局"] and rows["附件2第1项"].responsible == ["市发展改革委"]
    assert rows["附件2第2项"].lead == ["市住房城乡建设局"] and "2026年底" in rows["附件2第2项"].text
    assert rows["一1"].lead == ["市城市管理局"]


def test_a_long_notice_title_and_its_number_stand_alone() -> None:
    """A notice title over 40 characters is not joined with the 文号 line under it."""
    text = (
        "桑川县人民政府关于印发桑川县“无废城市”建设三年行动方案（2024—2026年）的通知\n\n桑政〔2024〕7号\n\n"
        "各乡镇人民政府、街道办事处，县政府各部门：\n\n桑川县“无废城市”建设三年行动方案（2024—2026年）\n\n"
        "一、重点任务\n\n1．推进分类。城区生活垃圾分类覆盖率达到100%。\n"
    )
    assert parse_plan(text).doc_no == "桑政〔2024〕7号"


def test_a_kind_column_names_the_rows_of_a_table_without_a_name_column() -> None:
    """ "细胞类型：无废学校 / 2026年目标：20所 / 牵头单位：县教育局" records are rows named by their kind."""
    text = (
        "桑川县方案\n\n一、重点任务\n\n1．推进分类。\n\n附件2\n\n无废细胞创建任务\n\n"
        "细胞类型：无废机关\n2026年目标：30个\n牵头单位：县机关事务中心\n\n"
        "细胞类型：无废学校\n2026年目标：20所\n牵头单位：县教育局\n"
    )
    rows = {s.label: s for s in parse_plan(text).sections}
    assert rows["附件2第2项"].title == "无废学校" and rows["附件2第2项"].lead == ["县教育局"]


def test_a_scheme_asked_about_an_item_is_a_plan_question(kb: KnowledgeBase) -> None:
    """ "农膜回收是啥机制" names a catalogue item but asks the plan's scheme."""
    answer = kb.answer("农膜及农药包装废弃物回收是啥体系", city="新郑市")
    assert answer.intent == "policy" and "回收处理体系" in answer.text


def test_a_markdown_table_whose_rows_wrap_is_read_row_by_row() -> None:
    """A "|" table with 序号 first whose cells go on in a line with an empty 序号 cell: one row per number."""
    text = "\n".join(
        [
            "| 序号 | 重点任务 | 牵头单位 | 完成时限 |",
            "|---|---|---|---|",
            "| 1 | 建设餐厨垃圾 | 县城市管 | 2025年 |",
            "|   | 处理厂 | 理局 | 底 |",
            "| 2 | 农膜回收 | 县供销社 | 2026年底 |",
        ]
    )
    assert box_tables_as_rows(text).split("\n") == [
        "序号\t重点任务\t牵头单位\t完成时限",
        "1\t建设餐厨垃圾处理厂\t县城市管理局\t2025年底",
        "2\t农膜回收\t县供销社\t2026年底",
    ]


def test_who_hosts_the_plan_is_the_notice_closing_line(kb: KnowledgeBase) -> None:
    """ "新郑的方案谁主办": the notice's closing "主办：市生态环境分局", not a no-figure reply."""
    assert "主办单位为市生态环境分局" in kb.answer("新郑的无废城市方案谁主办", city="新郑市").text
