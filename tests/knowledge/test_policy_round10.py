"""Issue #13 §3, round 10: tab tables whose rows wrap, HTML tables, towns and zones named without their city, fines
asked for a place outside 郑州, programme questions with no city or plan word, and national questions."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.core import KnowledgeBase
from knowledge.places import known_parts, outside_zhengzhou, parts_in
from knowledge.plan_parser import html_tables_as_rows, parse_plan, wrapped_tab_rows_joined
from tests.support.plans import kb_with_plans

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)

WRAPPED = """松溪县“无废城市”建设方案

一、主要指标
序号\t指标名称\t单位\t2024年现状值\t2025年目标值\t2030年目标值\t责任单位
1\t一般工业固体废物综合利\t%\t70\t80\t88\t县工业和信息化
用率\t\t\t\t\t局
2\t农膜回收率\t%\t80\t85\t92\t县农业农村局
3\t建筑垃圾资源化利用率\t%\t50\t60\t75\t县住房和城乡建
设局

二、重点任务
（一）完善收运体系
1. 在桃源镇、杏花乡各新建垃圾中转站1座，2025年底前投入使用。（责任单位：县城市管理局牵头，桃源镇、杏花乡人民政府配合）
2. 在县城建设日处理能力60吨的厨余垃圾处理厂1座。（责任单位：县城市管理局）
3. 依托松溪经济开发区建设固废综合利用产业园。（责任单位：县工业和信息化局）
"""

HTML = """柳川市“无废城市”建设方案

一、指标
<table border="1">
<tr><th>序号</th><th>指标名称</th><th>2023年基准值</th><th>2026年目标值</th><th>牵头单位</th></tr>
<tr><td>1</td><td>城市生活垃圾资源化利用率</td><td>60%</td><td>72%</td><td>市城市管理局</td></tr>
<tr><td>2</td><td>绿色矿山数量</td><td>2个</td><td>6个</td><td>市自然资源局</td></tr>
</table>

二、任务
<table>
<tr><td>序号</td><td>重点任务</td><td>具体措施</td><td>牵头单位</td><td>配合单位</td><td>完成时限</td></tr>
<tr><td>1</td><td>建设高新区无废园区</td><td>柳川高新区建设工业固废贮存利用中心1个</td><td>柳川高新区管委会</td><td>市生态环境局</td><td>2025年12月</td></tr>
</table>
"""


def test_a_wrapped_tab_row_is_joined_cell_by_cell() -> None:
    """The piece under a row goes to the same columns (leading 序号 cell cut or kept); a bare piece ends the row."""
    rows = wrapped_tab_rows_joined(WRAPPED).split("\n")
    first = next(r for r in rows if r.startswith("1\t"))
    assert first.split("\t")[1] == "一般工业固体废物综合利用率"
    assert first.split("\t")[-1] == "县工业和信息化局"
    third = next(r for r in rows if r.startswith("3\t"))
    assert third.split("\t")[-1] == "县住房和城乡建设局"
    kept = wrapped_tab_rows_joined("序号\t指标名称\t2025年目标值\t责任单位\n1\t综合利\t80\t县城管\n\t用率\t\t局").split(
        "\n"
    )
    assert kept[1].split("\t") == ["1", "综合利用率", "80", "县城管局"]


def test_text_after_a_table_is_not_glued_to_its_last_row() -> None:
    """A heading or a sentence after the table starts its own line."""
    text = "序号\t指标名称\t2025年目标值\t责任单位\n1\t综合利用率\t80\t县城管局\n二、重点任务\n到2025年建成。"
    assert wrapped_tab_rows_joined(text).split("\n")[2:] == ["二、重点任务", "到2025年建成。"]


def test_wrapped_rows_give_each_year_target_baseline_and_unit() -> None:
    """The 2025 and 2030 columns are two targets of the full indicator name; the unit cell is whole."""
    plan = parse_plan(WRAPPED)
    found = {(t.indicator, t.year, t.value) for t in plan.targets}
    assert ("一般工业固体废物综合利用率", 2025, 80.0) in found
    assert ("一般工业固体废物综合利用率", 2030, 88.0) in found
    task = next(t for t in plan.tasks if t.title == "一般工业固体废物综合利用率")
    assert task.responsible == ["县工业和信息化局"]


def test_html_tables_become_rows_and_tasks() -> None:
    """<tr>/<td> rows as tab-separated lines; the task table gives lead, helper and deadline."""
    rows = html_tables_as_rows(HTML)
    assert "1\t城市生活垃圾资源化利用率\t60%\t72%\t市城市管理局" in rows
    assert "<td>" not in rows
    plan = parse_plan(HTML)
    task = next(t for t in plan.tasks if t.title == "建设高新区无废园区")
    assert task.lead == ["柳川高新区管委会"] and task.responsible == ["市生态环境局"]
    assert any(t.indicator == "绿色矿山数量现状" and t.value == 2 for t in plan.targets)


def test_towns_and_zones_are_found_and_ordinary_words_are_not() -> None:
    """石桥镇, 新华路街道, 高新区 are places; 乡镇, 城乡, 各乡镇, 无废乡村, 示范街道 are not."""
    assert parts_in("在桃源镇、杏花乡各新建") == ["桃源镇", "杏花乡"]
    assert parts_in("新华路街道垃圾分类") == ["新华路街道"]
    assert parts_in("柳川经济技术开发区") == ["经开区"]
    for text in (
        "乡镇垃圾中转站",
        "住房和城乡建设局",
        "各乡镇人民政府",
        "无废乡村创建多少个",
        "示范街道建几个",
        "推进城镇污水",
    ):
        assert parts_in(text) == [], text
    assert known_parts()["龙湖镇"] == ["新郑市"]
    assert known_parts()["超化镇"] == ["新密市"]


def test_outside_zhengzhou() -> None:
    """开封 and 上海 are outside 郑州; 新郑, 中牟, 郑州市 and a message naming no place are not."""
    assert outside_zhengzhou("开封垃圾不分类罚款吗") == "开封"
    assert outside_zhengzhou("上海市乱扔垃圾罚多少") == "上海"
    for text in ("新郑垃圾不分类罚款吗", "中牟县罚款多少", "郑州市罚款标准", "不分类罚款吗"):
        assert outside_zhengzhou(text) is None, text


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The answer core over the bundled plans and the two plans above (SQLite)."""
    return kb_with_plans(tmp_path_factory, {"songxi.txt": WRAPPED, "liuchuan.txt": HTML}, now=NOW)


@pytest.mark.parametrize(
    ("question", "city", "must"),
    [
        ("一般工业固体废物综合利用率2030年要到多少", "松溪县", "88%"),
        ("建筑垃圾资源化利用率归哪个局管", "松溪县", "县住房和城乡建设局"),
        ("城市生活垃圾资源化利用率谁牵头", "柳川市", "市城市管理局"),
        ("高新区无废园区什么时候完成", "柳川市", "2025年12月"),
        ("固废综合利用产业园建在哪", "松溪县", "经济开发区"),
    ],
)
def test_new_layouts_answer(kb: KnowledgeBase, question: str, city: str, must: str) -> None:
    """Figures, units and deadlines from the wrapped tab table and the HTML tables."""
    assert must in kb.answer(question, city=city).text


def test_a_town_named_with_who_asks_who_leads_its_task(kb: KnowledgeBase) -> None:
    """ "桃源镇的垃圾中转站谁负责": the task's lead, not the list of the town's own tasks."""
    text = kb.answer("桃源镇的垃圾中转站谁负责", city="松溪县").text
    assert "县城市管理局" in text and "牵头 0 项" not in text


def test_a_town_without_its_city_resolves_to_the_plan_that_names_it(kb: KnowledgeBase) -> None:
    """A 新郑 resident asking about 桃源镇 gets 松溪县's plan; 龙湖镇 (新郑's town) gets 新郑's plan."""
    assert "2025年底" in kb.answer("桃源镇垃圾中转站什么时候投入使用", city="新郑市").text
    answer = kb.answer("龙湖镇垃圾分类谁负责", city="新郑市")
    assert answer.intent == "policy" and "市城管局" in answer.text


def test_a_zone_no_plan_of_the_residents_city_names_is_not_answered_with_another_citys_figure(
    kb: KnowledgeBase,
) -> None:
    """ "高新区…" from 新密: 郑州高新区 has no plan; 柳川高新区 is pointed to by name, with no figure of its own."""
    answer = kb.answer("高新区生活垃圾回收利用率目标是多少", city="新密市")
    assert "郑州高新区的“无废城市”建设方案还没有导入" in answer.text
    assert "柳川高新区" in answer.text and "%" not in answer.text


def test_a_named_city_beats_a_zone(kb: KnowledgeBase) -> None:
    """ "开封经开区…": 开封 has no plan, whatever plans name a 经开区."""
    answer = kb.answer("开封经开区工业固废综合利用率目标", city="新郑市")
    assert "开封" in answer.text and "没有导入" in answer.text and "%" not in answer.text


@pytest.mark.parametrize("question", ["开封垃圾分类不分罚款吗", "许昌不分类处罚标准", "洛阳乱扔垃圾罚多少钱"])
def test_a_fine_outside_zhengzhou_is_not_zhengzhous(kb: KnowledgeBase, question: str) -> None:
    """郑州's 50元 is never given as another city's fine."""
    text = kb.answer(question, city="新郑市").text
    assert "还没有导入" in text and "50元" not in text


@pytest.mark.parametrize("question", ["开封乱扔垃圾罚多少", "洛阳垃圾不分类罚款多少"])
def test_a_fine_outside_zhengzhou_says_the_fine_rule_not_the_plan_is_missing(kb: KnowledgeBase, question: str) -> None:
    """A 罚 question with 多少 went to the plan path, which said the city's 无废城市 plan is not loaded."""
    text = kb.answer(question, city="新郑市").text
    assert "罚款规定还没有导入" in text and "建设方案" not in text


def test_a_fine_in_xinzheng_is_zhengzhous_rule(kb: KnowledgeBase) -> None:
    """新郑 is under 郑州: its rule answers."""
    assert "50元" in kb.answer("新郑垃圾不分类罚款吗", city="新郑市").text


@pytest.mark.parametrize(
    ("question", "must"),
    [
        ("咱这垃圾以后还填埋不", "零填埋"),
        ("俺们这垃圾还往坑里埋不", "零填埋"),
        ("咱这工业固废怎么利用", "工业固"),
        ("飞灰以后咋处理", "飞灰"),
    ],
)
def test_a_programme_word_with_no_city_asks_the_residents_plan(kb: KnowledgeBase, question: str, must: str) -> None:
    """No city and no plan word: the resident's city's plan (新郑) is quoted, not a bin or the generic reply."""
    answer = kb.answer(question, city="新郑市")
    assert answer.intent == "policy" and must in answer.text and "新郑市方案" in answer.text


def test_a_programme_word_with_a_bin_word_still_gets_the_bin(kb: KnowledgeBase) -> None:
    """ "炉渣扔哪个桶" asks for a bin."""
    assert kb.answer("炉渣扔哪个桶", city="新郑市").intent != "policy"


def test_national_questions(kb: KnowledgeBase) -> None:
    """全国 with a count quotes the plan sentence about the national programme; a national figure no plan gives is
    said so, never a city's figure as the nation's."""
    assert "113个城市" in kb.answer("全国有多少个无废城市", city="新郑市").text
    text = kb.answer("全国的生活垃圾回收利用率目标是多少", city="新郑市").text
    assert "全国" in text and "%" not in text


def test_a_dated_fact_a_loaded_plan_states_of_a_place_with_no_plan_is_quoted_as_such(kb: KnowledgeBase) -> None:
    """ "郑州哪年入选…": 郑州 has no plan; the 新密 note says it of 郑州, quoted after saying so."""
    text = kb.answer("郑州哪年入选无废城市建设名单", city="新郑市").text
    assert text.startswith("郑州的“无废城市”建设方案还没有导入") and "2022年" in text and "新密市" in text
    other = kb.answer("开封什么时候建成餐厨垃圾处理厂", city="新郑市").text
    assert "没有导入" in other and "原文" not in other


def test_who_leads_the_whole_programme_is_the_leadership_group(kb: KnowledgeBase) -> None:
    """ "无废城市建设谁牵头" (with a town of the city or none): the plan's leadership group, not "not found"."""
    for question in ("无废城市建设谁牵头", "薛店镇无废城市建设谁牵头"):
        text = kb.answer(question, city="新郑市").text
        assert "领导小组" in text and "组长" in text, question
    assert "牵头单位：市生态环境分局" in kb.answer("无废细胞建设谁牵头", city="新郑市").text
