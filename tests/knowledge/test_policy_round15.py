"""Issue #13 §3, round 15: a plan organised by year with bar tables, a 政策解读 written as 问/答 pairs with
"一是…二是…" prose inside one answer, and unit short names (县供销社 for 县供销合作社)."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.core import KnowledgeBase
from knowledge.plan_parser import guess_city, parse_plan
from knowledge.plans import unit_key, unit_matches
from tests.support.plans import kb_with_plans

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)

# fictional counties, written for these tests
BY_YEAR = (
    "苓川县生活垃圾分类分年度推进方案（2024—2026年）\n"
    "一、年度目标和任务\n"
    "（一）2024年：试点起步\n"
    "年度目标：城区生活垃圾分类覆盖率达到60%，建成示范小区15个。\n"
    "序号 | 工作任务 | 牵头单位 | 配合单位 | 完成时限\n"
    "1 | 采购分类收集车辆10辆 | 县城市管理局 | 县财政局 | 2024年9月底\n"
    "（二）2025年：全面推开\n"
    "年度目标：城区生活垃圾分类覆盖率达到85%。\n"
    "序号 | 工作任务 | 牵头单位 | 配合单位 | 完成时限\n"
    "2 | 建设再生资源回收网点30个 | 县商务局 | 县供销合作社 | 2025年10月底\n"
)

QA = (
    "《苕河县“无废城市”建设实施方案》政策解读\n"
    "　　问一：主要目标是什么？\n"
    "　　答：到2027年，畜禽粪污综合利用率达到91%以上。\n"
    "　　问二：农业方面有哪些重点任务？\n"
    "　　答：一是建设畜禽粪污集中处理中心2个，由县农业农村局牵头，县生态环境分局配合。"
    "二是新建秸秆收储点18个，县畜牧局负责。\n"
    "　　问三：有哪些保障措施？\n"
    "　　答：一是成立领导小组，办公室设在县生态环境分局。二是纳入乡镇年度考核，实行“月调度、季通报、年考核”。\n"
    "　　问四：工业固废怎么管？\n"
    "　　答：对全县38家产废企业建立“一企一档”管理台账，推广“135”绿色出行，建设再生建材产品生产线1条。"
    "意见建议可拨打12345政务服务热线反映。\n"
)


ZONE = (
    "蓼城市“无废城市”建设工作方案\n"
    "一、重点任务\n"
    "1．建设高新区无废园区。蓼城高新区开展园区循环化改造（责任单位：蓼城高新区管委会牵头，市生态环境局配合）。\n"
    "2．推进建筑垃圾资源化利用。建成资源化利用厂1座（责任单位：市城市管理局）。\n"
)


PHASES = (
    "菱阳县农村生活垃圾分类工作实施方案\n"
    "一、工作目标\n"
    "2025年底前，在柳塘镇、石门乡开展整乡试点，建成阳光堆肥房6座。\n"
    "二、实施步骤\n"
    "（一）试点推进阶段（2025年5月—12月）。\n"
    "（二）全面推开阶段（2026年1月—12月）。每个乡镇至少建成1座垃圾分拣中心。\n"
    "三、重点工作\n"
    "（一）建设处理设施。建成阳光堆肥房24座，建设秸秆利用厂1座。牵头单位：县农业农村局；配合单位：县财政局。\n"
)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The bundled plans and the four fictional ones."""
    return kb_with_plans(
        tmp_path_factory,
        {"lingchuan.txt": BY_YEAR, "tiaohe.txt": QA, "liaocheng.txt": ZONE, "lingyang.txt": PHASES},
        now=NOW,
    )


def test_a_title_starting_with_the_place_then_the_subject_names_the_city() -> None:
    assert guess_city("苓川县生活垃圾分类分年度推进方案（2024—2026年）") == "苓川县"
    assert guess_city("全县生活垃圾分类工作方案") is None


def test_targets_under_a_year_heading_take_that_year() -> None:
    plan = parse_plan(BY_YEAR)
    years = {t.value: t.year for t in plan.targets if t.indicator == "城区生活垃圾分类覆盖率"}
    assert years == {60.0: 2024, 85.0: 2025}


def test_question_and_answer_headings_and_shi_items_are_sections() -> None:
    plan = parse_plan(QA)
    labels = [s.label for s in plan.sections]
    assert labels[:2] == ["问一", "问二"]
    assert "问二一是" in labels and "问二二是" in labels
    first = next(t for t in plan.tasks if t.label == "问二一是")
    assert first.lead == ["县农业农村局"] and first.responsible == ["县生态环境分局"]
    second = next(t for t in plan.tasks if t.label == "问二二是")
    assert second.responsible == ["县畜牧局"]
    assert not any(s.text.startswith("答") for s in plan.sections)


def test_unit_short_names_are_one_unit() -> None:
    assert unit_key("县供销合作社") == unit_key("县供销社") == "县供销社"
    assert unit_key("县住房和城乡建设局") == "县住建局"
    assert unit_matches("县供销社", "县供销合作社")
    assert not unit_matches("县商务局", "县供销合作社")


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("2025年城区分类覆盖率目标是多少", "85%"),
        ("2024年垃圾分类覆盖率要达到多少", "60%"),
        ("分类收集车辆什么时候采购完", "2024年9月底"),
        ("县供销社参与不", "县供销合作社"),
    ],
)
def test_questions_on_a_plan_by_year(kb: KnowledgeBase, question: str, wanted: str) -> None:
    answer = kb.answer(question, city="苓川县")
    assert answer.intent == "policy"
    assert wanted in answer.text


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("粪污处理中心谁牵头", "县农业农村局"),
        ("秸秆收储点建几个", "18个"),
        ("领导小组办公室设在哪", "县生态环境分局"),
        ("怎么考核", "月调度"),
        ("产废企业有多少家", "38家"),
        ("有意见建议打哪个电话", "12345"),
    ],
)
def test_questions_on_a_question_and_answer_interpretation(kb: KnowledgeBase, question: str, wanted: str) -> None:
    answer = kb.answer(question, city="苕河县")
    assert answer.intent == "policy"
    assert wanted in answer.text


def test_a_figure_the_part_does_not_hold_is_asked_beyond_its_title(kb: KnowledgeBase) -> None:
    answer = kb.answer("135绿色出行是啥", city="苕河县")
    assert "“135”" in answer.text and "苕河县" in answer.text  # what it is, then the plan's own sentence


def test_which_place_writes_a_quoted_term(kb: KnowledgeBase) -> None:
    answer = kb.answer("135绿色出行是哪个地方提的", city="苓川县")
    assert "苕河县" in answer.text and "苓川县方案" not in answer.text


def test_recycled_building_materials_are_one_word() -> None:
    from knowledge.policy import unify

    assert unify("再生建材优先用在哪") == unify("再生产品优先用在哪")
    assert "再生产品" in unify("再生建材产品")


def test_a_zone_asked_about_a_topic_its_plan_leaves_out_gets_the_zone_s_tasks(kb: KnowledgeBase) -> None:
    answer = kb.answer("高新区垃圾分类谁牵头", city="蓼城市")
    assert "没有找到" in answer.text
    assert "建设高新区无废园区" in answer.text and "蓼城高新区管委会" in answer.text


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("试点在哪些乡镇搞", "柳塘镇"),  # the sentence naming the towns, not the phase's title
        ("阳光堆肥房一共建多少座", "24座"),
        ("秸秆利用厂什么时候建", "没有写明"),  # no date in the plan: it says so
    ],
)
def test_questions_on_a_plan_by_phases(kb: KnowledgeBase, question: str, wanted: str) -> None:
    answer = kb.answer(question, city="菱阳县")
    assert answer.intent == "policy"
    assert wanted in answer.text


def test_a_contact_question_is_never_an_item_s_bin(kb: KnowledgeBase) -> None:
    assert "可回收物" not in kb.answer("有意见打哪个电话", city="新郑市").text
    assert "可回收物" in kb.answer("旧电话扔哪", city="新郑市").text
