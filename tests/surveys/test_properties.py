"""Property-based checks of survey input: any answer text, any form submission and any import file is either
taken or refused with a reason; nothing else escapes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy.orm import Session, sessionmaker

from surveys import answers, flow
from surveys.definition import Question, Survey, load_surveys
from surveys.importer import ImportReport, import_file

NOW = dt.datetime(2026, 6, 5, 9, 0, tzinfo=dt.UTC)
PUBLIC: Survey = load_surveys()["public"]
NUMBER = Question(id="n", type="number", text="几口人？", min=1, max=20, integer=True)
QUESTIONS = [*PUBLIC.questions, NUMBER]
OPTION_WORDS = [w for q in PUBLIC.questions for o in q.options for w in (o.code, o.label, *o.aliases)]
ANSWER_TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(
        st.sampled_from([*OPTION_WORDS, "不", "没", "和", "、", "┋", "1", "3", "跳过", "12.5", "-3"]), max_size=8
    ).map("".join),
    st.text(min_size=1000, max_size=5000),
)
SLOW = settings(deadline=None, suppress_health_check=list(HealthCheck))


@settings(max_examples=500, deadline=None)
@given(question=st.sampled_from(QUESTIONS), text=ANSWER_TEXT, fuzzy=st.booleans())
def test_any_answer_text_is_taken_or_refused_with_a_reason(question: Question, text: str, fuzzy: bool) -> None:
    parsed = answers.parse(question, text, fuzzy=fuzzy)
    assert parsed.ok != (parsed.error is not None) or parsed.ok
    if parsed.error is not None:
        assert parsed.error and not parsed.values
        return
    if question.options:
        assert set(parsed.values) <= {o.code for o in question.options}
    if question.type == "number" and parsed.values:
        assert 1 <= float(parsed.values[0]) <= 20
    if question.type == "text" and parsed.values:
        assert len(parsed.values[0]) <= question.max_length


@settings(max_examples=300, deadline=None)
@given(
    raw=st.dictionaries(
        st.sampled_from([q.id for q in PUBLIC.questions]) | st.text(max_size=10),
        st.text(max_size=100) | st.lists(st.text(max_size=50), max_size=4),
        max_size=10,
    ),
    fuzzy=st.booleans(),
)
def test_any_submission_validates_into_answers_or_errors(raw: dict[str, str | list[str]], fuzzy: bool) -> None:
    taken, errors = flow.validate(PUBLIC, raw, fuzzy=fuzzy)
    assert not set(taken) & set(errors)
    assert set(taken) | set(errors) <= {q.id for q in PUBLIC.questions}


def run_import(factory: sessionmaker[Session], path: Path) -> ImportReport | ValueError:
    with factory() as session:
        try:
            return import_file(session, PUBLIC, path, now=NOW, skip_bad=True)
        except ValueError as exc:  # the documented refusal: a message the CLI prints
            assert str(exc)
            return exc
        finally:
            session.rollback()


CELL = st.one_of(st.text(max_size=60), st.sampled_from([*OPTION_WORDS, "2025-06-01 10:30", "not a date", ""]))
HEADER = st.lists(st.sampled_from([q.id for q in PUBLIC.questions] + ["wave", "submitted_at", "", "x"]), max_size=8)


@settings(SLOW, max_examples=60)
@given(
    header=HEADER, rows=st.lists(st.lists(CELL, max_size=9), max_size=8), encoding=st.sampled_from(["utf-8", "gb18030"])
)
def test_any_csv_imports_or_is_refused(
    factory: sessionmaker[Session], tmp_path: Path, header: list[str], rows: list[list[str]], encoding: str
) -> None:
    path = tmp_path / "answers.csv"
    lines = [",".join(header), *(",".join('"' + c.replace('"', '""') + '"' for c in row) for row in rows)]
    path.write_bytes("\n".join(lines).encode(encoding, "replace"))
    result = run_import(factory, path)
    if isinstance(result, ImportReport):
        assert result.imported + len(result.bad) == result.rows


@settings(SLOW, max_examples=60)
@given(body=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".xlsx", ".txt"]))
def test_any_bytes_as_an_import_file_are_refused_or_read(
    factory: sessionmaker[Session], tmp_path: Path, body: bytes, suffix: str
) -> None:
    path = tmp_path / f"junk{suffix}"
    path.write_bytes(body)
    run_import(factory, path)


@settings(SLOW, max_examples=25)
@given(
    header=HEADER, rows=st.lists(st.lists(CELL | st.integers() | st.floats(allow_nan=False), max_size=9), max_size=6)
)
def test_any_xlsx_imports_or_is_refused(
    factory: sessionmaker[Session], tmp_path: Path, header: list[str], rows: list[list[object]]
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", h) for h in header])
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in row])
    path = tmp_path / "answers.xlsx"
    try:
        book.save(path)
    except ValueError:
        return  # openpyxl refuses some control characters when writing: nothing to import
    run_import(factory, path)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\xef\xbb\xbf",
        b"publicity\n" + b"1\n" * 20_000,
        b"publicity,comment\n1," + b"x" * 200_000 + b"\n",  # a field larger than the csv module's default limit
        b"publicity,comment\n1,\x00\x00\n",
        b'publicity,comment\n1,"unterminated\n',
        "publicity,comment\n１,满意\n".encode("utf-16"),
    ],
    ids=["empty", "bom", "many-rows", "huge-field", "nul", "unterminated", "utf16"],
)
def test_hostile_csv_files(factory: sessionmaker[Session], tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "answers.csv"
    path.write_bytes(content)
    run_import(factory, path)


def test_an_overlong_csv_field_is_refused_with_its_line(factory: sessionmaker[Session], tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_bytes(b"publicity,comment\n1,ok\n1," + b"x" * 200_000 + b"\n")
    result = run_import(factory, path)
    assert isinstance(result, ValueError)
    assert "第 3 行" in str(result)
