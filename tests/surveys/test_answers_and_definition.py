"""Parsing chat answers (numbers, option text, close wording through jieba) and validating questionnaire files."""

from __future__ import annotations

import datetime as dt

import pytest

from surveys.answers import parse
from surveys.definition import DefinitionError, load_surveys, wave_for
from surveys.definition import parse as parse_definition

PUBLIC = load_surveys()["public"]


@pytest.mark.parametrize(
    ("said", "code"),
    [
        ("2", "fairly_satisfied"),
        ("２", "fairly_satisfied"),
        ("比较满意", "fairly_satisfied"),
        ("比较满意了", "fairly_satisfied"),
        ("还行吧", "neutral"),
        ("一般般吧", "neutral"),
        ("挺满意的", "satisfied"),
        ("很不满意", "dissatisfied"),
        ("不太满意", "fairly_dissatisfied"),
        ("说不清", "unsure"),
    ],
)
def test_satisfaction_by_number_text_or_close_wording(said: str, code: str) -> None:
    assert parse(PUBLIC.question("satisfaction"), said).values == [code]


@pytest.mark.parametrize("said", ["不是很满意", "电池扔哪", "7", "0", "满意又不满意"])
def test_unclear_satisfaction_is_refused(said: str) -> None:
    result = parse(PUBLIC.question("satisfaction"), said)
    assert not result.ok and result.values == []


@pytest.mark.parametrize(
    ("said", "codes"),
    [
        ("1,3", ["sorting", "reuse"]),
        ("135", ["sorting", "reuse", "volunteer"]),
        ("垃圾分类和光盘", ["sorting", "clean_plate"]),
        ("光盘、减塑", ["clean_plate", "less_plastic"]),
        ("都没有", ["none"]),
    ],
)
def test_multiple_choice(said: str, codes: list[str]) -> None:
    assert parse(PUBLIC.question("participation"), said).values == codes


def test_exclusive_option_and_strict_mode() -> None:
    question = PUBLIC.question("participation")
    assert "不能和其他选项" in (parse(question, "1 6").error or "")
    assert parse(question, "垃圾分类和光盘", fuzzy=False).error is not None  # files need exact values
    assert parse(question, "垃圾分类投放┋光盘行动", fuzzy=False).values == ["sorting", "clean_plate"]
    assert parse(PUBLIC.question("township"), "和庄镇").values == ["xz_hezhuang"]
    assert parse(PUBLIC.question("township"), "新华路街道").values == []  # in both cities: ask again


def test_optional_text_can_be_skipped_and_required_cannot() -> None:
    assert parse(PUBLIC.question("comment"), "跳过").skipped
    assert parse(PUBLIC.question("identity"), "跳过").error is not None


BASE = {
    "id": "t",
    "questions": [
        {"id": "a", "type": "single", "text": "A?", "options": ["是", "否"]},
        {"id": "n", "type": "number", "text": "几个?", "min": 0, "max": 9, "integer": True},
    ],
}


def test_number_validation() -> None:
    survey = parse_definition(BASE)
    question = survey.question("n")
    assert parse(question, "3个").values == ["3"]
    assert "太大" in (parse(question, "12").error or "")
    assert "整数" in (parse(question, "2.5").error or "")
    assert "数字" in (parse(question, "好多").error or "")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"questions": [{"id": "a", "type": "rank", "text": "?"}]}, "unknown type"),
        ({"questions": [{"id": "a", "text": "?", "options": ["x"]}]}, "at least two"),
        (
            {
                "questions": [
                    {"id": "b", "text": "?", "options": ["x", "y"], "show_if": {"question": "zz", "in": ["1"]}}
                ]
            },
            "earlier question",
        ),
        ({"indicators": [{"key": "k", "question": "a", "numerator": ["9"]}]}, "not an option"),
        ({"indicators": [{"key": "k", "question": "a", "numerator": ["1"], "rule": "vibes"}]}, "rule"),
        ({"indicators": [{"key": "k", "question": "n", "numerator": ["1"]}]}, "choice question"),
    ],
)
def test_invalid_definitions_are_refused_with_a_reason(change: dict[str, object], reason: str) -> None:
    with pytest.raises(DefinitionError, match=reason):
        parse_definition({**BASE, **change})


def test_the_public_survey_has_the_agreed_ids_and_indicators() -> None:
    assert [q.id for q in PUBLIC.questions] == [
        "publicity", "participation", "satisfaction", "township", "age_band", "identity", "comment",
    ]  # fmt: skip
    assert [o.label for o in PUBLIC.question("satisfaction").options] == [
        "满意", "比较满意", "一般", "不太满意", "不满意", "不清楚",
    ]  # fmt: skip
    sat = next(i for i in PUBLIC.indicators if i.key == "satisfaction")
    assert sat.excluded == ("unsure",) and sat.target == 0.9
    assert dict(sat.scores) == {
        "satisfied": 100, "fairly_satisfied": 80, "neutral": 60, "fairly_dissatisfied": 40, "dissatisfied": 20,
    }  # fmt: skip


def test_the_wave_follows_the_calendar_in_beijing_time() -> None:
    new_year_eve_utc = dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC)  # 2027-01-01 01:00 in Beijing
    assert wave_for("year", new_year_eve_utc) == "2027"
    assert wave_for("half", dt.datetime(2026, 12, 4, tzinfo=dt.UTC)) == "2026-H2"
    assert wave_for("quarter", dt.datetime(2026, 4, 1, tzinfo=dt.UTC)) == "2026-Q2"
    assert wave_for("month", dt.datetime(2026, 12, 4, tzinfo=dt.UTC)) == "2026-12"
    assert load_surveys(now=dt.datetime(2026, 12, 4, tzinfo=dt.UTC))["public"].wave == "2026"
    assert load_surveys(now=dt.datetime(2027, 3, 1, tzinfo=dt.UTC))["public"].wave == "2027"


def test_a_fixed_wave_and_a_period_cannot_both_be_given() -> None:
    base = {"id": "x", "questions": [{"id": "q", "type": "text", "text": "说说？"}]}
    assert parse_definition({**base, "wave": "2025春"}).wave == "2025春"
    with pytest.raises(DefinitionError, match="wave_period"):
        parse_definition({**base, "wave_period": "decade"})
    with pytest.raises(DefinitionError, match="not both"):
        parse_definition({**base, "wave": "2025", "wave_period": "year"})
