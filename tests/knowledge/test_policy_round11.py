"""Issue #13 §3, round 11: plans pasted as Markdown, bar tables with a merged first column, questions about a part's
size, a quoted figure, the document's status and the national count, the asked unit, indicator rows against tasks,
and the fine's wording."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.core import KnowledgeBase
from knowledge.plan_parser import parse_plan, unmarkdown
from tests.support.plans import kb_with_plans

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)

# a fictional county, written for these tests
MARKDOWN = """# 檀川县“无废城市”建设工作方案

> 测试用虚构文件。

**檀政办〔2025〕3号**

## 一、主要指标

- **生活垃圾回收利用率**：2024年为30%，2027年达到38%（责任单位：县城市管理局）
- **乡镇垃圾中转站**：2027年达到12座（责任单位：县城市管理局）

---

## 二、重点任务

### （一）生活垃圾分类

1. **完善乡镇收运体系。** 在石门镇、芦花乡各新建垃圾中转站1座，实现乡镇垃圾日产日清。
   - 责任单位：县城市管理局牵头，石门镇、芦花乡人民政府配合
2. **建设危废收集平台。** 建设危险废物集中收集贮存平台1个，年收集能力3000吨。
   - 牵头单位：县生态环境分局
   - 配合单位：县工业和信息化局
3. **建筑垃圾利用。** 建成建筑垃圾资源化利用厂1座，再生产品优先用于乡村道路。
   - 牵头单位：县住房和城乡建设局
4. **有害垃圾收集。** 在社区设置废旧电池、废弃药品回收点50个。
   - 牵头单位：县生态环境分局
   - 配合单位：县卫生健康委员会

## 三、任务分解表

| 类别 | 序号 | 重点任务 | 牵头单位 | 配合单位 | 完成时限 |
|---|---|---|---|---|---|
| 制度 | 1 | 制定无废细胞评价细则 | 县生态环境分局 | 县市场监督管理局 | 2025年12月 |
|  | 2 | 出台建筑垃圾处置收费标准 | 县发展和改革委员会 | 县住房和城乡建设局 | 2026年3月 |

## 四、保障措施

### （一）加强组织领导

成立县“无废城市”建设工作领导小组。

### （二）强化资金保障

县财政每年安排专项资金100万元。

### （三）严格考核

考核结果纳入年度目标考核。
"""


def test_markdown_markup_is_taken_off_and_plain_text_is_left_alone() -> None:
    """Headings, bold, quotes and rules go; a bullet becomes "·", a bullet holding a unit label becomes that line."""
    lines = unmarkdown(MARKDOWN).split("\n")
    assert "二、重点任务" in lines and "（一）生活垃圾分类" in lines and "檀政办〔2025〕3号" in lines
    assert "·生活垃圾回收利用率：2024年为30%，2027年达到38%（责任单位：县城市管理局）" in lines
    assert "牵头单位：县生态环境分局" in lines
    assert "---" not in lines and not any(line.startswith((">", "#")) for line in lines)
    plain = "一、总体要求\n- 不是列表的一行 **\n1. 任务。"
    assert unmarkdown(plain) == plain


def test_a_markdown_plan_parses_like_a_plain_one() -> None:
    """Title, 文号, nested labels, units from sub-bullets, targets from bullets, and the bar table's rows."""
    plan = parse_plan(MARKDOWN)
    assert plan.title == "檀川县“无废城市”建设工作方案" and plan.doc_no == "檀政办〔2025〕3号"
    tasks = {t.label: t for t in plan.tasks}
    assert tasks["二（一）2"].lead == ["县生态环境分局"] and tasks["二（一）2"].responsible == ["县工业和信息化局"]
    # an empty first cell (a merged 类别 cell written once above) keeps the row's columns in place
    assert tasks["三2"].lead == ["县发展和改革委员会"] and tasks["三2"].responsible == ["县住房和城乡建设局"]
    assert any(g.indicator == "生活垃圾回收利用率" and g.value == 38 and g.year == 2027 for g in plan.targets)


def test_towns_named_for_their_governments_are_units() -> None:
    """ "X牵头，石门镇、芦花乡人民政府配合": the towns help; the lead is not glued to its verb."""
    task = next(t for t in parse_plan(MARKDOWN).tasks if t.label == "二（一）1")
    assert task.lead == ["县城市管理局"]
    assert task.responsible == ["石门镇", "芦花乡人民政府"]


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The answer core over the bundled plans and the Markdown plan above (SQLite)."""
    return kb_with_plans(tmp_path_factory, {"tanchuan.md": MARKDOWN}, now=NOW)


@pytest.mark.parametrize(
    ("question", "city", "must"),
    [
        # 资源回收率 is the plan's 回收利用率
        ("生活垃圾的资源回收率新郑要提到多少", "新郑市", "40%"),
        # a scheme asked with 什么…体系 is the plan's sentence, not an unknown item
        ("新郑城区用的是什么分类体系", "新郑市", "大分流"),
        # "怎么说的" asks what the plan says
        ("秸秆利用的治理路径怎么说的", "新郑市", "先农后工"),
        # a figure quoted in the question: the indicators that have it
        ("新郑无废城市的三个90%是哪三个指标", "新郑市", "满意度"),
        # 围绕哪几大类 is the plan's 以…为要素
        ("新郑方案围绕哪几大类固体废物", "新郑市", "工业固体废物"),
        # how many items a named part has
        ("新郑方案的重点任务分几大块", "新郑市", "分8项"),
        ("檀川保障措施有几个方面", "檀川县", "分3项"),
        # 好几个 is a question word, 国家 no asked unit
        ("新密能耗下降比国家要求好几个百分点", "新密市", "4.5"),
        # the document's status is in its title
        ("新密方案现在是正式稿吗", "新密市", "征求意见稿"),
        # 国家 choosing cities is the national count
        ("国家选了多少个城市搞无废城市", "新郑市", "113"),
        # 平台 holds 台 but asks no count of 台: the capacity sentence answers
        ("危废收集平台年收集能力多少", "檀川县", "3000吨"),
        # who issues a thing is a task's question, not the plan's issue date
        ("建筑垃圾处置收费标准哪个部门出台", "檀川县", "县发展和改革委员会"),
        # 用在哪 from a resident of a loaded plan's city
        ("再生产品优先用在哪", "檀川县", "乡村道路"),
        # 废电池 / 过期药 are the plan's 废旧电池 / 废弃药品
        ("废电池和过期药回收点协办单位", "檀川县", "县卫生健康委员会"),
        ("过期药回收点建多少个", "檀川县", "50个"),
    ],
)
def test_round11_questions(kb: KnowledgeBase, question: str, city: str, must: str) -> None:
    """Each question gets the plan's answer."""
    assert must in kb.answer(question, city=city).text


def test_an_indicator_row_does_not_answer_who_helps(kb: KnowledgeBase) -> None:
    """The 主要指标 row names one 责任单位; the task doing the work names the helpers."""
    text = kb.answer("乡镇垃圾中转站建设配合单位有哪些", city="檀川县").text
    assert "石门镇" in text and "芦花乡人民政府" in text


def test_the_fine_opens_with_yes_only_for_a_yes_no_question(kb: KnowledgeBase) -> None:
    """ "罚多少" gets the rule without "会。"; "罚款吗" gets "会。" first."""
    how_much = kb.answer("新郑乱扔垃圾罚多少", city="新郑市").text
    assert not how_much.startswith("会") and "50元" in how_much
    assert kb.answer("新郑垃圾不分类罚款吗", city="新郑市").text.startswith("会。")


def test_a_resident_outside_zhengzhou_is_not_given_zhengzhous_fine(kb: KnowledgeBase) -> None:
    """A resident whose city is a loaded county outside 郑州 asks about the fine: that rule is not loaded."""
    text = kb.answer("垃圾不分类罚款多少", city="檀川县").text
    assert "还没有导入" in text and "50元" not in text
