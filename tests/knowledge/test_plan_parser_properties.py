"""Property-based checks of the plan (方案) parser: any text, huge or empty, parses into a consistent structure."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.plan_parser import ParsedPlan, extract_targets, paragraphs, parse_plan, parse_units

LINES = st.sampled_from(
    [
        "新郑市“无废城市”建设实施方案",
        "新政〔2023〕6号",
        "新郑市人民政府",
        "2023年8月2日",
        "第一章 总体要求",
        "一、主要任务",
        "（一）推动工业固体废物减量",
        "1.加强源头减量。",
        "（1）提高综合利用率",
        "① 建设回收网点",
        "一是完善制度",
        "牵头单位：市发展改革委",
        "责任单位：各乡镇人民政府、市生态环境局",
        "（牵头单位：市城管局；配合单位：市财政局）",
        "到2025年，工业固体废物综合利用率达到95%以上。",
        "生活垃圾回收利用率不低于35%，建成“无废细胞”100个。",
        "到2030年，",
        "达到",
        "%",
        "（",
        "）",
        "“",
        "",
        " ",
        "　",
    ]
)
PLAN_TEXT = st.one_of(
    st.text(max_size=400),
    st.lists(st.one_of(LINES, st.text(max_size=30)), max_size=40).map("\n".join),
    st.lists(LINES, min_size=1, max_size=60).map("".join),
)


def consistent(plan: ParsedPlan) -> None:
    sections = len(plan.sections)
    for i, section in enumerate(plan.sections):
        assert section.index == i
        assert section.parent is None or 0 <= section.parent < i
    for task in plan.tasks:
        assert 0 <= task.section < sections
    for target in plan.targets:
        assert target.section is None or 0 <= target.section < sections
        assert target.task is None or 0 <= target.task < len(plan.tasks)
        assert target.value == target.value  # not NaN
    assert isinstance(plan.title, str)


@settings(max_examples=300, deadline=None)
@given(text=PLAN_TEXT, city=st.sampled_from([None, "新郑市", ""]))
def test_any_text_parses_into_a_consistent_plan(text: str, city: str | None) -> None:
    consistent(parse_plan(text, city=city))


@settings(max_examples=300, deadline=None)
@given(text=PLAN_TEXT)
def test_the_pieces_take_any_text(text: str) -> None:
    assert all(isinstance(style, str) for style, _ in paragraphs(text))
    targets, rest = extract_targets(text)
    assert all(t.sentence for t in targets) and isinstance(rest, list)
    lead, responsible = parse_units(text)
    assert isinstance(lead, list) and isinstance(responsible, list)


def test_huge_and_empty_documents() -> None:
    for text in (
        "",
        "\n" * 10_000,
        "一、" * 20_000,
        "到2025年达到95%以上。" * 5_000,
        "（" * 30_000,
        "\x00\ufeff" * 1000,
    ):
        consistent(parse_plan(text))
