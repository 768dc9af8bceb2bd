"""Issue #13 §3, round 12: a plan exported from a PDF (page numbers and a running header between its lines, sentences
broken mid-word), a 任务清单 with cells split by runs of spaces, and questions on who must do an act, a group's
组长, where an office sits, 咋解决, 能用…不, 用在哪 and 是几成."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.core import KnowledgeBase
from knowledge.places import other_places_in, places_in
from knowledge.plan_parser import parse_plan
from tests.support.plans import kb_with_plans

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)

# a fictional county, written for these tests
PDF = """岚峪县人民政府办公室文件
岚政办〔2025〕4号
岚峪县“无废城市”建设实施方案
一、工作目标
到2026年底，全县农膜回收率达到91%，一般工业固体废物综合利用率
达到80%。
二、主要任务
（一）推进农业废弃物利用。建设废旧农膜回收网点
— 2 —
岚峪县人民政府办公室文件
12个，着力解决农田“白色污染”问题。推动危险废物经营单位购买环境污染责任保险。
（二）提升建筑垃圾利用水平。建设建筑垃圾资源化利用厂1座，推动再生建材在乡村道路中优先使用。
三、保障措施
（一）加强组织领导。成立县工作专班，由副县长任组长，专班办公室设在县城市管理局。
（二）各单位每月报送工作进展。
— 3 —
岚峪县人民政府办公室文件
附件
任务清单
序号  任务  目标  牵头单位  配合单位  完成时限
1  农膜回收网点  建成12个  县供销合作社  县农业农村局  2025年12月
2  环境污染责任保险  全覆盖  县生态环境分局  县金融工作局  2025年12月
— 4 —
"""


PARTS = """雁丘市“无废城市”建设工作方案
第一部分  总体思路
以餐厨垃圾为重点。
第二部分  重点任务
（1）一次性塑料制品治理。全市星级宾馆、酒店不再主动提供一次性塑料用品。
（2）餐厨垃圾收运。建成餐厨垃圾处理厂1座，日处理能力80吨。
第三部分  保障措施
（1）资金保障。市财政每年安排引导资金200万元，对餐厨垃圾处理给予以奖代补。
"""


def test_page_numbers_and_the_running_header_are_dropped() -> None:
    """ "— 2 —" and the header repeated after it are page furniture: the sentence around them is one sentence."""
    plan = parse_plan(PDF)
    texts = "".join(s.text for s in plan.sections)
    assert "废旧农膜回收网点12个，着力解决" in texts
    assert "— 2 —" not in texts and "办公室文件12个" not in texts
    assert texts.count("办公室文件") == 0
    assert plan.doc_no == "岚政办〔2025〕4号"


def test_spaced_task_list_rows_keep_their_columns() -> None:
    """A 任务清单 row split by runs of spaces: lead, helper and deadline in their columns."""
    tasks = {t.title: t for t in parse_plan(PDF).tasks}
    row = tasks["农膜回收网点"]
    assert row.lead == ["县供销合作社"] and row.responsible == ["县农业农村局"]


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The answer core over the bundled plans and the PDF export above (SQLite)."""
    return kb_with_plans(tmp_path_factory, {"lanyu.txt": PDF, "yanqiu.txt": PARTS}, now=NOW)


@pytest.mark.parametrize(
    ("question", "city", "must"),
    [
        # a figure broken across a page break is read whole
        ("农膜回收网点建几个", "岚峪县", "12个"),
        # who must buy: the sentence's subject, not the task's lead unit
        ("环境污染责任保险谁要买", "岚峪县", "危险废物经营单位"),
        ("环境污染责任保险谁要买", "新郑市", "危险废物经营单位"),
        # a group other than the 领导小组, and where its office sits
        ("工作专班组长是谁", "岚峪县", "副县长"),
        ("专班办公室设在哪", "岚峪县", "县城市管理局"),
        # what the plan does about a problem
        ("农田白色污染咋解决", "岚峪县", "回收网点"),
        # 用在哪 from a resident of a loaded plan's city is the plan's sentence, not a bin
        ("再生建材用在哪", "岚峪县", "乡村道路"),
        # 是几成 asks a percentage
        ("农膜回收率目标是几成", "岚峪县", "91%"),
        # "网点县农业农村局": 县 opens the unit's name, no county called 网点县
        ("农膜回收网点县农业农村局参与不", "岚峪县", "县农业农村局"),
        # 奖补 is the plan's 以奖代补; "还给…吗" asks the plan's ban
        ("奖补咋弄", "雁丘市", "以奖代补"),
        ("宾馆酒店还给一次性塑料用品吗", "雁丘市", "不再主动提供"),
        # 要实现什么 asks the plan's aim, never a bin for 原生生活垃圾
        ("餐厨垃圾处理厂要实现什么", "雁丘市", "日处理能力80吨"),
    ],
)
def test_round12_questions(kb: KnowledgeBase, question: str, city: str, must: str) -> None:
    """Each question gets the plan's answer."""
    answer = kb.answer(question, city=city)
    assert answer.intent == "policy", answer.text
    assert must in answer.text, answer.text


def test_spoken_can_use_asks_the_plan_rule(kb: KnowledgeBase) -> None:
    """ "外卖能用不可降解塑料餐具不" with the plan's ban: the plan's sentence, not a bin for the tableware."""
    answer = kb.answer("新郑外卖能用不可降解塑料餐具不", city="新郑市")
    assert answer.intent == "policy", answer.text


def test_bin_questions_stay_bin_questions(kb: KnowledgeBase) -> None:
    """A bin word keeps an item question on the item path, whatever the plan says."""
    assert kb.answer("塑料餐具扔哪个桶", city="岚峪县").intent in ("sorting", "clarify")
    assert kb.answer("旧电池怎么扔", city="岚峪县").intent in ("sorting", "clarify")


def test_a_part_is_cited_as_a_part() -> None:
    """ "第三部分 重点任务" is cited "第三部分（1）", not as a chapter the plan does not have."""
    plan = parse_plan(PARTS)
    assert any(t.label == "第二部分（1）" for t in plan.tasks), [t.label for t in plan.tasks]


def test_we_and_unit_names_are_no_places() -> None:
    """ "俺们县" is the asker's own county and "网点县农业农村局" a unit; real counties are still found."""
    assert places_in("俺是兰考的，俺们县建筑垃圾利用率多少") == ["兰考"]
    assert places_in("农膜回收网点县农业农村局参与不") == []
    assert places_in("宁陵县城市管理局负责啥") == ["宁陵县"]
    assert other_places_in("俺们县农膜回收率多少") == []


def test_a_loaded_place_with_an_unknown_topic_gets_the_plans_not_found(kb: KnowledgeBase) -> None:
    """ "岚峪垃圾分类积分兑换怎么搞" names a loaded plan's place: its honest "not found", never "不确定扔哪";
    an unknown item asked how to get rid of stays on the item path."""
    answer = kb.answer("岚峪垃圾分类积分兑换怎么搞", city="岚峪县")
    assert answer.intent == "policy" and "没有找到" in answer.text, answer.text
    assert kb.answer("岚峪量子纠缠器咋处理", city="岚峪县").intent != "policy"
