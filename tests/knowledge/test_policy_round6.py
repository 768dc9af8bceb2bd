"""Issue #13 §3, round 6: notices whose attachments list comes before the plan, "★行动一：" items with
"（责任单位：X牵头，Y配合；完成时间：…）", leads in parentheses after the task ("（X负责，Y具体实施）"), tables flattened
to one cell per line, 保障措施 questions, and places outside the reviewed place list."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.config import Settings
from bot.db import session_factory, transaction
from bot.runtime import ensure_ready
from knowledge import plans
from knowledge.core import KnowledgeBase
from knowledge.plan_parser import guess_city, parse_plan
from knowledge.service import build_knowledge

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)

NOTICE = """鹤山县人民政府
关于印发鹤山县“无废城市”建设实施方案的通知

附件：1．鹤山县“无废城市”建设指标体系
　　　2．鹤山县“无废城市”建设工作专班成员名单

鹤山县“无废城市”建设实施方案

一、主要任务
（一）推行生活垃圾分类
1．完善分类设施。
（1）城区新建分类投放亭90个（县城市管理局负责，各乡镇人民政府具体实施）。
（2）建设大件垃圾拆解中心1个。
二、保障措施
（一）组织保障。领导小组办公室设在县生态环境分局。
"""

ACTIONS = """石桥县深入推进“无废城市”建设三年行动计划（2025—2027年）

一、重点行动
★行动一：生活垃圾分类提质行动
　　新建生活垃圾分类示范小区12个。（责任单位：县城市管理局牵头，县住房和城乡建设局配合；完成时间：2026年底）
★行动二：塑料污染治理行动
　　外卖平台可降解餐盒使用率达到30%。（责任单位：县市场监督管理局牵头，县商务局配合）
"""


def test_notice_city_and_attachment_list_are_not_headings() -> None:
    """The attachments' names under "附件：" do not become the top numbering level, and 印发 is not the place."""
    plan = parse_plan(NOTICE)
    assert plan.city == "鹤山县"
    labels = [s.label for s in plan.sections]
    assert labels[:4] == ["一", "一（一）", "一（一）1", "一（一）1（1）"]
    task = next(t for t in plan.tasks if "投放亭" in t.title)
    assert task.responsible == ["县城市管理局", "各乡镇人民政府"]


def test_guess_city_with_a_verb_after_the_place() -> None:
    """ "石桥县深入推进…行动计划" and "关于印发X市…的通知" name the place."""
    assert guess_city("石桥县深入推进“无废城市”建设三年行动计划（2025—2027年）") == "石桥县"
    assert guess_city("关于印发鹤川市“无废城市”建设实施方案的通知") == "鹤川市"
    assert guess_city("全县深入推进垃圾分类工作方案") is None


def test_action_items_with_roles_and_deadline_in_the_units_parenthesis() -> None:
    """ "★行动一：" is an item; "责任单位：X牵头，Y配合" splits into lead and helpers; the deadline stays in the text."""
    plan = parse_plan(ACTIONS)
    assert plan.city == "石桥县"
    first, second = plan.tasks
    assert first.label.endswith("行动一") and first.title == "生活垃圾分类提质行动"
    assert (first.lead, first.responsible) == (["县城市管理局"], ["县住房和城乡建设局"])
    assert "完成时限：2026年底" in plan.sections[first.section].text
    assert (second.lead, second.responsible) == (["县市场监督管理局"], ["县商务局"])


CELLS = """桐溪县“无废城市”建设重点任务分解方案

一、重点任务分解表

序号
重点任务
具体内容
牵头单位
配合单位
完成时限
1
餐厨垃圾处理
建成餐厨垃圾集中处理设施1座，日处理能力40吨
县城市管理局
县发展和改革委员会、县市场监督管理局
2026年6月底
2
废旧农膜回收
废旧农膜回收率达到86%，建设农膜回收网点40个
县农业农村局
县供销合作社
长期坚持

二、保障措施
（一）加大资金投入。县财政每年安排专项资金150万元。
"""


def test_table_flattened_one_cell_per_line() -> None:
    """Cells on their own lines under a 序号/任务/牵头单位/配合单位/完成时限 header become one task per row."""
    plan = parse_plan(CELLS)
    assert [(t.title, t.lead, t.responsible) for t in plan.tasks[:2]] == [
        ("餐厨垃圾处理", ["县城市管理局"], ["县发展和改革委员会", "县市场监督管理局"]),
        ("废旧农膜回收", ["县农业农村局"], ["县供销合作社"]),
    ]
    values = {t.indicator: t.value for t in plan.targets}
    assert values.get("废旧农膜回收率") == 86


def test_cell_lines_with_a_missing_cell_are_left_alone() -> None:
    """A row with one cell too few is not shifted into the wrong columns."""
    broken = CELLS.replace("县供销合作社\n长期坚持\n", "长期坚持\n")
    plan = parse_plan(broken)
    assert not any(t.title == "废旧农膜回收" and t.lead == ["长期坚持"] for t in plan.tasks)
    assert all("长期坚持" not in t.responsible for t in plan.tasks)


def test_places_outside_the_reviewed_list() -> None:
    """A city, district or county the reviewed list lacks is still a place; words ending in 市/区 are not."""
    from knowledge.places import other_places_in

    assert other_places_in("义乌市生活垃圾回收利用率是多少") == ["义乌市"]
    assert other_places_in("我们那是嵊州市，建筑垃圾利用率多少") == ["嵊州市"]
    assert other_places_in("栖霞区垃圾分类覆盖率多少") == ["栖霞区"]
    for text in ("无废城市建设指标", "在超市买的塑料袋", "我们小区的投放点", "住在生活区", "县城的目标", "全市的目标"):
        assert other_places_in(text) == [], text


PLAN_FOR_ANSWERS = """鹤山县“无废城市”建设实施方案

一、主要任务
（一）推行生活垃圾分类
1．完善分类设施。
（1）城区新建分类投放亭90个（县城市管理局负责，各乡镇人民政府具体实施）。
（2）建设大件垃圾拆解中心1个、有害垃圾暂存点5个。
（二）促进农业废弃物利用
1．农药包装废弃物回收率达到85%，建设回收点120个（县农业农村局负责，县供销合作社配合）。
二、保障措施
（一）组织保障。领导小组办公室设在县生态环境分局。
（二）资金保障。县财政每年安排专项资金300万元。
（三）考核问责。对工作推进不力的单位依法依规追责问责。
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The answer core over the bundled plans and the plan above (SQLite)."""
    folder = tmp_path_factory.mktemp("round6")
    settings = Settings(database_url=f"sqlite:///{folder / 'w.db'}", data_dir=folder)
    ensure_ready(settings)
    with transaction(session_factory(settings.db_url)) as session:
        plans.ingest(session, text=PLAN_FOR_ANSWERS, source_name="heshan.txt", now=NOW)
    with transaction(session_factory(settings.db_url)) as session:
        return build_knowledge(session)


def test_safeguards_question_lists_the_parts_items(kb: KnowledgeBase) -> None:
    """ "保障措施有哪些" lists the 保障措施 part's items of the asked plan, not one sentence with 保障 in it."""
    answer = kb.answer("保障措施有哪些", city="鹤山县")
    assert answer.intent == "policy"
    assert "（一）组织保障" in answer.text and "（三）考核问责" in answer.text
    assert "新郑" not in answer.text


def test_a_task_naming_no_unit_is_said_to_name_none(kb: KnowledgeBase) -> None:
    """ "大件垃圾拆解中心谁负责": the plan's task names no unit, so the bot says so instead of an item reply."""
    answer = kb.answer("大件垃圾拆解中心谁负责", city="鹤山县")
    assert answer.intent == "policy"
    assert "没有写明" in answer.text and "大件垃圾拆解中心" in answer.text


def test_how_many_points_gets_the_count_not_the_rate(kb: KnowledgeBase) -> None:
    """ "回收点建多少个" wants the 120个, not the 85% rate in the same sentence."""
    assert "120个" in kb.answer("农药包装回收点建多少个", city="鹤山县").text
    assert "85%" in kb.answer("农药包装回收率要达到多少", city="鹤山县").text


def test_accountability_and_unlisted_places(kb: KnowledgeBase) -> None:
    """ "工作推进不力会怎么处理" quotes the plan; a city outside the reviewed list gets no other city's figure."""
    assert "追责问责" in kb.answer("工作推进不力会怎么处理", city="鹤山县").text
    answer = kb.answer("义乌市农药包装废弃物回收率是多少", city=None)
    assert "义乌" in answer.text and "还没有导入" in answer.text and "85%" not in answer.text


def test_own_place_words_and_an_offered_figure(kb: KnowledgeBase) -> None:
    """ "咱县…中不中建到200个" is answered with the plan's own figure; 咱县 is not a topic word."""
    answer = kb.answer("咱县分类投放亭中不中建到200个", city="鹤山县")
    assert answer.intent == "policy" and "90个" in answer.text


def test_how_questions_quote_the_plan_or_say_no_plan(kb: KnowledgeBase) -> None:
    """ "…是怎么搞的" about a place with no plan says so; about the resident's own plan it quotes the plan."""
    answer = kb.answer("许昌市分类投放亭是怎么搞的", city=None)
    assert "许昌" in answer.text and "还没有导入" in answer.text
    assert "分类投放亭90个" in kb.answer("分类投放亭是怎么搞的", city="鹤山县").text


BRACKETS = """石泉区2025年“无废城市”建设工作清单

一、工作清单
（一）生活源固废
（1）新增生活垃圾分类示范小区30个。【牵头：区城市管理局；配合：各街道办事处】
（2）全区餐厨垃圾日收运量达到120吨。【区城市管理局】
（3）推动2家企业开展工业固废资源化利用技术改造。【区邮政管理部门】
"""


def test_units_in_square_brackets_after_each_item() -> None:
    """ "【牵头：X；配合：Y】" and "【X】" after an item are its units; items under 工作清单 are tasks."""
    tasks = parse_plan(BRACKETS).tasks
    assert [(t.lead, t.responsible) for t in tasks] == [
        (["区城市管理局"], ["各街道办事处"]),
        ([], ["区城市管理局"]),
        ([], ["区邮政管理部门"]),
    ]


@pytest.fixture(scope="module")
def kb_brackets(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The answer core over the bundled plans and the 工作清单 above (SQLite)."""
    folder = tmp_path_factory.mktemp("round6b")
    settings = Settings(database_url=f"sqlite:///{folder / 'w.db'}", data_dir=folder)
    ensure_ready(settings)
    with transaction(session_factory(settings.db_url)) as session:
        plans.ingest(session, text=BRACKETS, source_name="shiquan.txt", now=NOW)
    with transaction(session_factory(settings.db_url)) as session:
        return build_knowledge(session)


def test_one_sentence_items_and_daily_amounts(kb_brackets: KnowledgeBase) -> None:
    """A one-sentence item with a figure is quoted; 每天收运 is the plan's 日收运量; 做得好 asks about 成效突出."""
    assert "2家企业" in kb_brackets.answer("技术改造企业有几家", city="石泉区").text
    assert "120吨" in kb_brackets.answer("餐厨垃圾每天收运多少吨", city="石泉区").text
    reward = kb_brackets.answer("无废城市工作做得好有没有奖励", city="新郑市")
    assert "表彰和奖励" in reward.text and "新郑" in reward.text


def test_figure_before_jichu_shang_is_the_baseline() -> None:
    """ "在2022年9家绿色工厂基础上，完成16家…": 9 is where things stand (现状), 16 the target, and 2022 is not its year."""
    from knowledge.plan_parser import extract_targets

    found, _missed = extract_targets("在2022年9家绿色工厂基础上，到2025年完成16家绿色工厂创建。")
    by = {t.indicator: (t.value, t.year) for t in found}
    assert by["绿色工厂现状"] == (9.0, 2022)
    assert by["绿色工厂"] == (16.0, 2025)


def test_a_count_in_chinese_after_a_building_verb() -> None:
    """ "新建一座生活垃圾焚烧发电设施" is a count of 1, like "新建1座"; 一是/统一 are left alone."""
    from knowledge.plan_parser import extract_targets

    found, _missed = extract_targets("一是统一规划，新建一座生活垃圾焚烧发电设施，创建两家绿色工厂。")
    assert {(t.indicator, t.value, t.unit) for t in found} >= {
        ("生活垃圾焚烧发电设施", 1.0, "座"),
        ("绿色工厂", 2.0, "家"),
    }
    assert all(t.value in (1.0, 2.0) for t in found)


def test_how_a_named_plan_handles_something_is_quoted(kb: KnowledgeBase) -> None:
    """ "鹤山县有害垃圾暂存点怎么处理" names a loaded plan's place: the plan's sentence, not an item reply."""
    answer = kb.answer("鹤山县大件垃圾拆解中心怎么处理", city=None)
    assert answer.intent == "policy" and "大件垃圾拆解中心" in answer.text
    assert kb.answer("电池怎么处理", city="鹤山县").intent != "policy"
