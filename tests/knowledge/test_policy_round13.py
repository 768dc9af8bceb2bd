"""Issue #13 §3, round 13: a task table with numbered lists inside one cell and merged rows, indicators only in an
附录 table, full-width digits, a silent plan's place asked with an FAQ topic, and a zone asked without its city."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.core import KnowledgeBase
from knowledge.plan_parser import parse_plan
from tests.support.plans import kb_with_plans

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)

# fictional counties, written for these tests
CELLS = (
    "苔溪县“无废城市”建设实施方案\n"
    "一、工作目标\n"
    "到2026年底，全县农膜回收率达到88%。\n"
    "二、保障措施\n"
    "（一）县财政每年安排专项资金100万元。\n"
    "附件\n"
    "苔溪县重点任务清单\n"
    "序号\t任务类别\t具体任务\t牵头单位\t配合单位\t完成时限\n"
    "1\t生活垃圾分类\t1.城区新建分类投放亭80个；2.配备分类运输车辆12辆\t县城市管理局\t各街道办事处\t2025年12月\n"
    "2\t\t1.每个乡镇建成阳光堆肥房不少于2座，全县建成16座；2.打造示范村20个\t县农业农村局\t各乡镇人民政府\t2026年6月\n"
    "3\t建筑垃圾\t1.建成资源化利用厂1座；2.设置装修垃圾临时堆放点9处\t县城市管理局\t县自然资源局\t2025年10月\n"
    "4\t\t1.再生建材使用比例不低于20%\t\t县住房和城乡建设局\t2026年12月\n"
)

ANNEX = (
    "澜湖市“无废城市”建设实施方案\n"
    "一、主要任务\n"
    "1．（责任单位：市农业农村局；配合单位：市供销合作社）推进农膜回收。建设回收网点60个，"
    "农膜回收率达到附录指标2的目标值。\n"
    "二、保障措施\n"
    "（一）各责任单位每季度报送工作进展。\n"
    "附录\n"
    "澜湖市“无废城市”建设指标表\n"
    "序号\t指标名称\t单位\t2023年基期值\t2027年目标值\t指标属性\n"
    "1\t秸秆综合利用率\t%\t92\t95\t约束性\n"
    "2\t农膜回收率\t%\t85\t92\t预期性\n"
)

OCR = (
    "岑 山 县 “无废城市”建设工作方案\n"
    "三、主 要 任 务\n"
    "（一）工业固体废物利用工程\n"
    "    １．综合利用\n"
    "    （１）推进煤矸石综合利用。建设煤矸石综合利用项目 ２ 个，年利用煤矸石 ８０ 万吨。"
    "责任单位：县工业和信息化局牵头，县自然资源局配合。\n"
)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The bundled plans and the three fictional ones."""
    texts = {"taixi.txt": CELLS, "lanhu.txt": ANNEX, "censhan.txt": OCR}
    return kb_with_plans(tmp_path_factory, texts, now=NOW)


def test_an_empty_cell_under_a_merged_one_takes_the_row_above() -> None:
    """Row 2 has no 类别 and row 4 no 牵头单位: both were merged cells written once, above them."""
    tasks = {t.label: t for t in parse_plan(CELLS).tasks}
    second, fourth = tasks["附件第2项"], tasks["附件第4项"]
    assert second.title == "生活垃圾分类" and second.lead == ["县农业农村局"]
    assert fourth.lead == ["县城市管理局"] and fourth.responsible == ["县住房和城乡建设局"]
    assert "2026年6月" in second.text and "阳光堆肥房" in second.text


def test_the_items_of_one_cell_are_read_as_targets() -> None:
    """ "1.…；2.设置…9处": every item of the cell gives its figure, 设置/配备/打造 count too."""
    found = {(t.indicator, t.value, t.unit) for t in parse_plan(CELLS).targets}
    assert ("装修垃圾临时堆放点", 9.0, "处") in found
    assert ("分类运输车辆", 12.0, "辆") in found
    assert ("示范村", 20.0, "个") in found


def test_a_total_counts_the_thing_named_before_it() -> None:
    """ "每个乡镇建成阳光堆肥房不少于2座，全县建成16座": the 16 are 阳光堆肥房."""
    found = {(t.indicator, t.value) for t in parse_plan(CELLS).targets}
    assert ("阳光堆肥房", 16.0) in found


def test_merged_rows_answer_who_and_when(kb: KnowledgeBase) -> None:
    """The row under a merged 类别 cell answers its lead, its deadline and its count."""
    assert "县农业农村局" in kb.answer("阳光堆肥房谁牵头", city="苔溪县").text
    assert "2026年6月" in kb.answer("示范村啥时候弄完", city="苔溪县").text
    assert "16座" in kb.answer("阳光堆肥房要建多少座", city="苔溪县").text


def test_units_written_before_the_task_are_its_units() -> None:
    """ "1．（责任单位：X；配合单位：Y）推进农膜回收。…": the title is the task's, X leads and Y helps."""
    (task,) = parse_plan(ANNEX).tasks
    assert task.title == "推进农膜回收"
    assert task.lead == ["市农业农村局"] and task.responsible == ["市供销合作社"]


def test_an_appendix_table_is_an_annex_and_answers_its_indicators(kb: KnowledgeBase) -> None:
    """附录 opens an annex, its 目标值 column answers, and 目标几成 asks the percentage."""
    assert any(s.style == "annex" for s in parse_plan(ANNEX).sections)
    assert "92%" in kb.answer("农膜回收率目标几成", city="澜湖市").text
    assert "市农业农村局" in kb.answer("农膜回收网点谁牵头", city="澜湖市").text


def test_full_width_digits_and_a_yearly_amount(kb: KnowledgeBase) -> None:
    """ "年利用煤矸石 ８０ 万吨" of an OCR'd scan answers 一年利用多少吨, its unit line the 配合 question."""
    assert "80万吨" in kb.answer("煤矸石一年利用多少吨", city="岑山县").text
    assert "县自然资源局" in kb.answer("煤矸石综合利用谁配合", city="岑山县").text


def test_a_silent_plan_asked_with_an_faq_topic_says_it_is_silent(kb: KnowledgeBase) -> None:
    """ "苔溪县135绿色出行咋搞": the plan has no word of it, so the reply says so before the general answer."""
    answer = kb.answer("苔溪县135绿色出行咋搞", city="苔溪县")
    assert answer.text.startswith("苔溪县的方案里没有写到这一项")
    assert "1公里以内步行" in answer.text


def test_a_duty_the_plan_does_not_name_is_never_an_faq_how_to(kb: KnowledgeBase) -> None:
    """ "岑山县快递包装这块谁负责": who is responsible, which no FAQ on sorting parcels answers."""
    answer = kb.answer("岑山县快递包装这块谁负责", city="岑山县")
    assert answer.intent == "policy" and "没有找到" in answer.text


def test_a_zone_asked_without_its_city_is_not_given_the_city_wide_group(kb: KnowledgeBase) -> None:
    """ "经开区领导小组组长是谁" from a 新郑 resident: 新郑's group is not the zone's; 郑州经开区 has no plan."""
    answer = kb.answer("经开区无废城市领导小组组长是谁", city="新郑市")
    assert "没有导入" in answer.text and "杨晋" not in answer.text
    said = kb.answer("经开区循环化改造哪年完成", city="新郑市")
    assert "2025" in said.text and "经济技术开发区" in said.text
