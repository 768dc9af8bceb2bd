"""Policy answers over a plan in a layout the parser was not written for (issue #13 §3): short 主责/协办 labels,
"（牵头）" marks inside a 责任单位 list, tasks naming no unit, 完成时限 lines, and the words residents ask with."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from bot.config import Settings
from bot.db import transaction
from bot.runtime import ensure_ready
from knowledge import plans
from knowledge.core import KnowledgeBase
from knowledge.plan_parser import parse_plan, parse_units
from knowledge.policy import SYNONYMS, SYNONYMS_FILE, unify
from knowledge.service import build_knowledge

PLAN = Path(__file__).with_name("fixtures") / "shilin-short-labels.txt"
NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


def _load(settings: Settings) -> KnowledgeBase:
    factory = ensure_ready(settings)
    with transaction(factory) as session:
        plans.ingest(session, text=PLAN.read_text(encoding="utf-8"), source_name=PLAN.name, now=NOW)
    with transaction(factory) as session:
        return build_knowledge(session)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The answer core over the bundled plans and the 石林县 plan (SQLite, shared by the module)."""
    folder = tmp_path_factory.mktemp("shilin")
    return _load(Settings(database_url=f"sqlite:///{folder / 'w.db'}", data_dir=folder))


def test_short_labels_and_lead_marks_are_read_as_units() -> None:
    tasks = {t.title: t for t in parse_plan(PLAN.read_text(encoding="utf-8")).tasks}
    assert (tasks["推行清洁生产"].lead, tasks["推行清洁生产"].responsible) == (
        ["县工信局"],
        ["县生态环境分局", "县市场监管局"],
    )
    assert tasks["开展“无废商超”创建"].lead == ["县市场监管局"]
    assert tasks["开展“无废商超”创建"].responsible == ["县商务局"]
    assert (tasks["加强园林绿化废弃物利用"].lead, tasks["加强园林绿化废弃物利用"].responsible) == ([], [])


def test_unit_label_needs_a_known_role() -> None:
    assert parse_units("配合：县商务局") == ([], ["县商务局"])
    assert parse_units("目标：县商务局") == ([], [])  # not a role


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("清洁生产谁牵头", "牵头单位：县工信局"),  # 主责 leads
        ("清洁生产的协办单位", "县市场监管局"),
        ("清洁生产以哪些行业为重点", "造纸"),
        ("无废商超要创建多少家", "10家"),  # a cell name of the plan is one word
        ("无废商超谁牵头", "牵头单位：县市场监管局"),  # "（牵头）" inside the 责任单位 list
        ("焚烧厂二期协办单位", "县发改委"),  # 焚烧厂: a word no plan uses, read as its parts
        ("危废处置能力谁负责", "县生态环境分局"),  # 危废 = 危险废物
        ("园林绿化废弃物利用谁牵头", "没有写明牵头单位"),  # a task with no unit says so
        ("无废商超什么时候完成", "2025年12月"),  # the task's 完成时限 line
        ("工作进展多久报送一次", "每月25日前"),
        ("工业固体废物回收利用率要达到多少", "86%"),  # 一般 dropped, 回收利用 = 综合利用
        ("餐厨垃圾资源化利用率要达到百分之几", "70%"),
        ("清洁生产协同单位", "县生态环境分局"),
        ("餐厨垃圾处理厂一天能处理多少", "200吨"),  # a capacity, not the number of plants
        ("进展每个月几号前上报", "25日"),
        ("工作进展多长时间报一次", "每月"),
        ("石林县清洁生产有没有奖励", "没有找到"),  # a loaded plan that does not say: never a guess, never a bin
    ],
)
def test_questions_over_an_unseen_layout(kb: KnowledgeBase, question: str, wanted: str) -> None:
    answer = kb.answer(question, city="石林县")
    assert answer.intent == "policy", answer.text
    assert wanted in answer.text


def test_lead_questions_never_get_a_bin(kb: KnowledgeBase) -> None:
    answer = kb.answer("建筑垃圾资源化谁牵头", city="新郑市")
    assert answer.intent == "policy" and "装修垃圾" not in answer.text
    assert kb.answer("建筑垃圾怎么扔", city="新郑市").intent != "policy"


def test_unseen_layout_on_both_databases(settings: Settings) -> None:
    found = _load(settings)
    assert "牵头单位：县工信局" in found.answer("石林县清洁生产谁牵头").text
    assert "还没有导入" in found.answer("巩义的清洁生产谁牵头").text


def test_synonyms_are_reviewable_data() -> None:
    rows = yaml.safe_load(SYNONYMS_FILE.read_text(encoding="utf-8"))
    assert rows and all(r["pattern"] and r["as"] and r["why"] for r in rows)
    assert len(SYNONYMS) == len(rows)
    assert unify("农膜回收利用率") == unify("农膜资源化利用率") == unify("农膜综合利用率") == "农膜利用率"
    assert unify("危废处置") == "危险废物处置" and unify("多久报一次") == "多久报送一次"
