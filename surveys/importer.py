"""Importing answers collected elsewhere (paper, phone, 问卷星 exports) from CSV or XLSX.

Columns are named by question id (values: option text, option number or code; several choices separated by
┋, | or ,), plus optional `wave` and `submitted_at`; a mapping (surveys.mapping) renames foreign headers and
translates foreign option texts first. Every row is validated with the survey's own rules; a bad
row is reported with its line and reason. All-or-nothing by default: the rows go in under a savepoint that is
rolled back when any row is bad, unless `skip_bad` is set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from surveys import flow
from surveys.answers import STRICT_SEPARATORS, parse
from surveys.definition import Question, Survey
from surveys.loose import LooseLog, is_empty_marker, loose_option, match_headers
from surveys.mapping import ImportMap
from surveys.tables import Row, read_table

EXTRA_COLUMNS = ("wave", "submitted_at")
LOCAL = ZoneInfo("Asia/Shanghai")
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")


@dataclass
class ImportReport:
    """What an import did: rows read, rows stored, bad rows with line and reason, ignored columns."""

    rows: int = 0
    imported: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    committed: bool = False
    loose: list[str] = field(default_factory=list)  # what was matched loosely, for staff to check


def parse_time(value: str) -> dt.datetime:
    """An ISO or 问卷星-style time; naive times are Asia/Shanghai."""
    text = value.strip()
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        for fmt in DATE_FORMATS:
            try:
                parsed = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"时间“{value}”无法识别（例：2025-06-01 10:30）") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=LOCAL)


def import_file(
    session: Session,
    survey: Survey,
    path: Path,
    *,
    now: dt.datetime,
    skip_bad: bool = False,
    progress: Callable[[int], None] | None = None,
    mapping: ImportMap | None = None,
) -> ImportReport:
    """Validate and store every row; see the module docstring for the all-or-nothing rule."""
    header, raw_rows = read_table(path)
    written = {h: h for h in header}  # our column → the header as written in the file
    rows: Iterator[tuple[int, Row]] = raw_rows
    renamed = mapping.rename(header) if mapping is not None else {}
    log = LooseLog()
    if not renamed:
        renamed = match_headers(survey, header)
        log.headers = dict(renamed)
    if renamed:
        header = [renamed.get(h, h) for h in header]
        written.update({target: column for column, target in renamed.items()})
        rows = _mapped(
            raw_rows, renamed, mapping or ImportMap(), {q.id for q in survey.questions if q.type == "multiple"}
        )
    questions = {q.id for q in survey.questions}
    report = ImportReport(ignored_columns=[h for h in header if h and h not in questions and h not in EXTRA_COLUMNS])
    if not questions & set(header):
        raise ValueError(f"{path.name}: 表头里没有任何题目编号（应为 {', '.join(q.id for q in survey.questions)}）")
    batch = f"{path.name[:40]}@{now:%Y%m%dT%H%M%S}"
    savepoint = session.begin_nested()
    for line, raw in rows:
        report.rows += 1
        if progress is not None and report.rows % 1000 == 0:
            progress(report.rows)
        row = _loosened(survey, raw, written, log)
        answers, errors = flow.validate(survey, row)
        reasons = [_reason(survey, qid, msg, raw.get(qid, ""), written.get(qid, qid)) for qid, msg in errors.items()]
        submitted_at = None
        if row.get("submitted_at"):
            try:
                submitted_at = parse_time(row["submitted_at"])
            except ValueError as exc:
                reasons.append(f"列“{written.get('submitted_at', 'submitted_at')}”：{exc}")
        if len(row.get("wave", "")) > 32:
            reasons.append("wave：批次名称最多 32 个字符")
        if reasons:
            report.bad.append((line, "；".join(reasons)))
            continue
        flow.submit(
            session,
            survey,
            answers,
            key=None,
            resident_id=None,
            channel=None,
            source="import",
            now=now,
            import_batch=batch,
            wave=row.get("wave") or None,
            submitted_at=submitted_at,
        )
        report.imported += 1
    report.loose = log.lines()
    if report.bad and not skip_bad:
        savepoint.rollback()
        report.imported = 0
        return report
    savepoint.commit()
    report.committed = True
    return report


def _mapped(
    rows: Iterator[tuple[int, Row]], renamed: dict[str, str], mapping: ImportMap, multiple: set[str]
) -> Iterator[tuple[int, Row]]:
    """Rows with foreign headers renamed and foreign option texts translated."""
    for line, row in rows:
        out: Row = {}
        for column, text in row.items():
            target = renamed.get(column, column)
            if target in out and column not in renamed:
                continue  # a mapped column wins over an unmapped one of the same name
            out[target] = mapping.value(target, text, multiple=target in multiple)
        yield line, out


def _loosened(survey: Survey, row: Row, written: dict[str, str], log: LooseLog) -> Row:
    """The row with empty markers blanked and option values that only loosely match replaced by their codes."""
    out: Row = {}
    for column, value in row.items():
        out[column] = "" if is_empty_marker(value) else value
    for question in survey.questions:
        value = out.get(question.id, "")
        if not value or not question.options or parse(question, value, fuzzy=False).ok:
            continue
        parts = [p for p in STRICT_SEPARATORS.split(value) if p] if question.type == "multiple" else [value]
        codes: list[str] = []
        for part in parts:
            if parse(question, part, fuzzy=False).ok:
                codes.append(part)
                continue
            option, _ = loose_option(question, part)
            if option is None:
                break
            codes.append(option.code)
            log.matches[(written.get(question.id, question.id), part, option.label)] += 1
        else:
            out[question.id] = "┋".join(codes)
    return out


def _reason(survey: Survey, qid: str, message: str, value: str, column: str) -> str:
    """A bad cell named by its column as written, the value found and the options expected."""
    question = next((q for q in survey.questions if q.id == qid), None)
    shown = value.strip()
    if not shown or is_empty_marker(shown):
        return f"列“{column}”为空，这一题需要回答"
    if question is None or not question.options:
        return f"列“{column}”的值“{shown[:40]}”无法导入：{message.rstrip('。')}"
    if "同时选" in message:  # an exclusive option ("都没有") chosen with others
        return f"列“{column}”的值“{shown[:40]}”无法导入：{message.split('，')[0]}"
    return f"列“{column}”的值“{shown[:40]}”不是这一题的选项；可选：{_choices(question, shown)}"


def _choices(question: Question, value: str) -> str:
    """The options a staff member may write: all of them, or the ambiguous candidates when there are some."""
    _, candidates = loose_option(question, value)
    if len(candidates) > 1:
        return "、".join(o.label for o in candidates) + "（有多个可能，请写完整）"
    labels = [o.label for o in question.options]
    return "、".join(labels[:12]) + ("等" if len(labels) > 12 else "")
