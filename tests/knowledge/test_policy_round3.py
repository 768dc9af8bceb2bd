"""Issue #13 §3, round 3: a markdown task list with 责任单位 in the last column, duties written as prose sentences
("此项工作由…牵头", "…牵头，…配合" with no 由, "…按职责分工负责"), figures with 合计/每日 before them, spoken
question words (一年能处理, 拿多少钱, 参与部门, 各区政府干什么, 考核怎么搞) and places from the reviewed place list."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from bot.config import Settings
from bot.db import session_factory, transaction
from bot.runtime import ensure_ready
from knowledge import plans
from knowledge.core import KnowledgeBase
from knowledge.plan_parser import extract_targets, parse_plan
from knowledge.policy import _unloaded_place, unify
from knowledge.service import build_knowledge

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)

TABLE_PLAN = """柏岭县“无废城市”建设实施方案

一、主要目标
到2026年，全县秸秆综合利用率达到93%以上。

二、重点任务清单

| 序号 | 工作任务 | 主要内容 | 完成时限 | 责任单位 |
|---|---|---|---|---|
| 1 | 秸秆综合利用 | 建设秸秆收储点12个 | 2026年10月 | 县农业农村局（牵头）、县供销社 |
| 2 | 危险废物规范化管理 | 开展危险废物专项整治 | 2025年6月 | 县生态环境分局 |
| 3 | 建筑垃圾消纳 | 建成建筑垃圾消纳场1座，年消纳能力30万吨 | 2026年6月 | 县住建局（牵头）、县城管局 |
"""

PROSE_PLAN = """岩湾市推进“无废城市”建设工作方案

一、工作目标
到2025年底，全市生活垃圾焚烧处理能力达到每日1200吨。

二、重点任务
（一）提升生活垃圾分类水平。建成生活垃圾分类示范片区6个。由市城市管理局牵头，市商务局配合，各区人民政府负责落实。
（二）推进建筑垃圾资源化利用。新建建筑垃圾资源化利用项目2个，年处理能力合计80万吨。此项工作由市住房城乡建设局牵头，市自然资源和规划局配合。
（三）推动工业固体废物综合利用。以煤矸石、粉煤灰为重点，培育绿色工厂4家。市工业和信息化局牵头，市发展改革委、市生态环境局配合。
（四）推行快递绿色包装。电商快件不再二次包装率达到90%。市邮政管理局牵头，市商务局、市市场监管局按职责分工负责。

三、保障措施
（一）资金保障。市财政每年安排专项资金不少于2000万元。
（二）考核督导。建立“月调度、季通报、年考核”工作机制，各牵头单位每月10日前报送上月进展。
"""


def _task(text: str, label: str):  # type: ignore[no-untyped-def]
    return next(t for t in parse_plan(text).tasks if t.label == label)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The answer core over the bundled plans and the two plans above (SQLite)."""
    folder = tmp_path_factory.mktemp("round3")
    settings = Settings(database_url=f"sqlite:///{folder / 'w.db'}", data_dir=folder)
    ensure_ready(settings)
    with transaction(session_factory(settings.db_url)) as session:
        plans.ingest(session, text=TABLE_PLAN, source_name="bailing.txt", now=NOW)
        plans.ingest(session, text=PROSE_PLAN, source_name="yanwan.txt", now=NOW)
    with transaction(session_factory(settings.db_url)) as session:
        return build_knowledge(session)


# ---------------------------------------------------------------- parsing


def test_markdown_task_list_with_units_in_the_last_column() -> None:
    plan = parse_plan(TABLE_PLAN)
    assert [t.label for t in plan.tasks] == ["二1", "二2", "二3"]  # the |---| rule does not end the table
    straw = _task(TABLE_PLAN, "二1")
    assert (straw.title, straw.lead, straw.responsible) == ("秸秆综合利用", ["县农业农村局"], ["县供销社"])
    assert (_task(TABLE_PLAN, "二2").lead, _task(TABLE_PLAN, "二2").responsible) == ([], ["县生态环境分局"])
    found = {(t.indicator, t.value, t.unit) for t in plan.targets}
    assert ("建筑垃圾消纳场", 1.0, "座") in found and ("秸秆收储点", 12.0, "个") in found


def test_duties_written_as_a_closing_prose_sentence() -> None:
    sorting = _task(PROSE_PLAN, "二（一）")
    assert sorting.lead == ["市城市管理局"]
    assert sorting.responsible == ["市商务局", "各区人民政府"]  # "负责落实" is a duty, not part of the name
    building = _task(PROSE_PLAN, "二（二）")  # "此项工作由…牵头"
    assert (building.lead, building.responsible) == (["市住房城乡建设局"], ["市自然资源和规划局"])
    assert "牵头" not in building.text and "年处理能力" in building.text
    industry = _task(PROSE_PLAN, "二（三）")  # no 由
    assert (industry.lead, industry.responsible) == (["市工业和信息化局"], ["市发展改革委", "市生态环境局"])
    parcels = _task(PROSE_PLAN, "二（四）")  # "…按职责分工负责"
    assert (parcels.lead, parcels.responsible) == (["市邮政管理局"], ["市商务局", "市市场监管局"])


def test_a_sentence_that_only_mentions_a_unit_is_not_a_duty_line() -> None:
    text = "一、重点任务\n（一）强化监管。市生态环境局开展专项检查。到2025年建成试点3家。\n"
    task = _task(text, "一（一）")
    assert (task.lead, task.responsible) == ([], [])
    assert "专项检查" in task.text


def test_figures_with_a_word_between_verb_and_number() -> None:
    found, _ = extract_targets("新建项目2个，年处理能力合计80万吨。")
    assert ("年处理能力", 80.0, "万吨") in {(t.indicator, t.value, t.unit) for t in found}
    found, _ = extract_targets("到2025年底，全市生活垃圾焚烧处理能力达到每日1200吨。")
    assert [(t.value, t.unit) for t in found] == [(1200.0, "吨")]
    assert found[0].indicator.endswith("焚烧处理能力")


# ---------------------------------------------------------------- questions


def test_spoken_capacity_money_and_frequency_words_are_unified() -> None:
    assert unify("一年能处理多少") == unify("年处理能力多少") == unify("年消纳能力多少")
    assert "资金" in unify("县里拿多少钱") and "资金" in unify("钱从哪来")
    assert "每年" in unify("一年搞几场") and "每年" not in unify("一年内完成")


@pytest.mark.parametrize(
    ("question", "city", "want", "never"),
    [
        ("建筑垃圾项目一年能处理多少吨", "岩湾市", "80万吨", "30万吨"),
        ("消纳场一年能消纳多少", "柏岭县", "30万吨", "80万吨"),
        ("县里每年拿多少钱", "岩湾市", "2000万元", None),
        ("快递包装参与部门有哪些", "岩湾市", "市市场监管局", None),
        ("建筑垃圾资源化谁牵头", "岩湾市", "市住房城乡建设局", "县住建局"),
        ("垃圾分类各区政府干什么", "岩湾市", "提升生活垃圾分类水平", None),
        ("考核怎么搞", "岩湾市", "月调度、季通报、年考核", None),
        ("工业固废以什么为重点", "岩湾市", "煤矸石", None),
        ("秸秆利用谁牵头", "柏岭县", "县农业农村局", "市"),
    ],
)
def test_answers_name_the_plan_and_only_the_asked_place(
    kb: KnowledgeBase, question: str, city: str, want: str, never: str | None
) -> None:
    answer = kb.answer(question, city=city)
    assert answer.intent == "policy", answer.text
    assert want in answer.text, answer.text
    assert city + "方案" in answer.text  # which plan the answer comes from
    if never:
        assert never not in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "长葛市有没有无废城市方案",
        "禹州的工业固废利用率要达到多少",
        "我是尉氏的，我们那有没有方案",
        "商城县秸秆利用谁牵头",
    ],
)
def test_places_from_the_reviewed_list_have_no_plan(kb: KnowledgeBase, question: str) -> None:
    answer = kb.answer(question, city=None)
    assert answer.extra.get("no_plan"), answer.text
    assert "还没有导入" in answer.text and "岩湾市方案" in answer.text  # the loaded plans are named
    assert not re.search(r"\d+(\.\d+)?(%|个|家|吨)", answer.text)  # no other place's figure


def test_words_that_are_also_place_names_need_their_suffix() -> None:
    assert _unloaded_place("商城的快递包装谁管") is None  # 商城 = a mall
    assert _unloaded_place("商城县的快递包装谁管") == "商城县"
    assert _unloaded_place("新华区有没有方案") == "新华区"
    assert _unloaded_place("汝州秸秆利用谁牵头") == "汝州"


# ---------------------------------------------------------------- round 3b: per-year columns, 【】 labels, quotes

YEARS_PLAN = """柳湾县“无废城市”建设三年行动计划（2024—2026年）

一、主要指标

指标名称	2024年目标值	2026年目标值	责任单位
生活垃圾回收利用率	33%	41%	县城管局

二、重点行动

（一）农业领域减废行动
① 秸秆离田利用。建设秸秆收储中心3个。【牵头单位】县农业农村局

三、保障机制
（一）资金支持。县财政设立奖补资金，每年不少于120万元，对评定的“无废细胞”每个奖励2万元。
（二）评估考核。县无废办每半年开展一次评估，评估结果在全县通报；对工作滞后的单位实行约谈。
"""


def test_a_target_column_per_year_gives_one_target_per_year() -> None:
    got = {(t.indicator, t.year, t.value) for t in parse_plan(YEARS_PLAN).targets}
    assert ("生活垃圾回收利用率", 2024, 33.0) in got and ("生活垃圾回收利用率", 2026, 41.0) in got
    assert ("生活垃圾回收利用率", 2024, 41.0) not in got


@pytest.fixture(scope="module")
def kb_years(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The answer core over the bundled plans and YEARS_PLAN (SQLite)."""
    folder = tmp_path_factory.mktemp("round3b")
    settings = Settings(database_url=f"sqlite:///{folder / 'w.db'}", data_dir=folder)
    ensure_ready(settings)
    with transaction(session_factory(settings.db_url)) as session:
        plans.ingest(session, text=YEARS_PLAN, source_name="liuwan.txt", now=NOW)
    with transaction(session_factory(settings.db_url)) as session:
        return build_knowledge(session)


@pytest.mark.parametrize(
    ("question", "want", "never"),
    [
        ("2024年生活垃圾回收利用率要达到多少", "33%", "41%"),
        ("2026年生活垃圾回收利用率目标", "41%", "33%"),
        ("无废细胞奖励多少钱", "2万元", None),  # the figure's own name (每年) does not say 奖励: the sentence does
        ("考核结果怎么用", "约谈", None),  # the "；" clause is quoted with the rest of its sentence
        ("农业减废行动谁牵头", "县农业农村局", None),  # the action's parent title
    ],
)
def test_round3b_questions(kb_years: KnowledgeBase, question: str, want: str, never: str | None) -> None:
    answer = kb_years.answer(question, city="柳湾县")
    assert answer.intent == "policy" and want in answer.text, answer.text
    assert "柳湾县方案" in answer.text
    if never:
        assert never not in answer.text


# ---------------------------------------------------------------- round 3c: the bundled plans, worded freshly


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("限塑这块协办的是哪些部门", "市市场监管局"),  # 限塑 is written 禁塑限塑 in the plan
        ("生活垃圾回收利用率提到多少", "40%"),  # 提到 = 提升至
        ("园区循环化改造是哪个园区", "经济技术开发区"),  # a "which" question is answered by the plan's sentence
    ],
)
def test_bundled_plan_questions_worded_freshly(kb: KnowledgeBase, question: str, want: str) -> None:
    answer = kb.answer(question, city="新郑市")
    assert answer.intent == "policy" and want in answer.text, answer.text
    assert "新郑市方案" in answer.text


def test_which_bin_questions_are_not_plan_questions(kb: KnowledgeBase) -> None:
    for question in ("塑料瓶扔哪个桶", "电池属于哪类", "塑料米桶扔哪里", "旧花盆放哪个"):
        assert kb.answer(question, city="新郑市").intent != "policy", question


def test_a_fine_is_not_plan_money(kb: KnowledgeBase) -> None:
    assert "资金" not in unify("垃圾分错了罚多少钱") and "资金" not in unify("罚款多少钱")
    assert kb.answer("垃圾分错了罚多少钱", city="新郑市").intent != "policy"


# ---------------------------------------------------------------- round 3d: spoken wording


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("建筑垃圾收运监管公安局配合吗", "市公安局"),  # the unit asked about is not the task's topic
        ("一般工业固体废物产生强度要控制在多少", "0.3797"),  # 控制在 is a target verb
        ("激励机制是咋回事", "表彰和奖励"),  # 咋回事 is answered with the plan's sentence
        ("各乡镇要成立啥机构", "领导机构"),
        ("工业固废协同治理应急局参与不", "市应急局"),
    ],
)
def test_spoken_questions_on_the_bundled_plan(kb: KnowledgeBase, question: str, want: str) -> None:
    answer = kb.answer(question, city="新郑市")
    assert answer.intent == "policy" and want in answer.text, answer.text


def test_cooperation_as_a_topic_and_as_a_role() -> None:
    from knowledge.policy import ROLE_ASK

    assert ROLE_ASK.sub(" ", "工业固废综合利用协同单位").strip() == "工业固废综合利用"
    assert "协同" in ROLE_ASK.sub(" ", "一般工业固废协同处置谁负责")


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("快递包装邮政公司管不管", "市邮政公司"),  # 管不管 about a named unit
        ("污泥处置走什么工艺路线", "污泥焚烧+建材利用"),
        ("还新建飞灰填埋场吗", "不再另行新建"),
        ("农村卫生院的医疗废物谁管", "市卫健委"),  # 卫生院 = 医疗卫生机构
    ],
)
def test_yes_no_and_what_questions_on_the_bundled_plan(kb: KnowledgeBase, question: str, want: str) -> None:
    answer = kb.answer(question, city="新郑市")
    assert answer.intent == "policy" and want in answer.text, answer.text
