"""Exports: responses as CSV or XLSX (option labels or codes, multiple choices joined with ┋, no personal data),
and an XLSX workbook with the indicator summary (method in words), one sheet per breakdown, and the responses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import tabular
from surveys import texts, verification
from surveys.definition import Survey
from surveys.indicators import rule_text
from surveys.models import COMPLETED, SurveyAnswer, SurveyResponse

JOIN = "┋"
META = ("response", "survey", "version", "wave", "status", "source", "channel", "started_at", "completed_at")
# after META: the response's kind in Chinese ("kind"; its code in "kind_code" when the export has codes) and whether
# the official figures count it ("official": completed and of a counted kind; 计入/不计入, or 1/0 with codes)
KIND_COLUMNS = ("kind", "official")
BATCH = 2000
SUMMARY_HEADER = (
    "指标",
    "比例",
    "95%区间下限",
    "95%区间上限",
    "分子",
    "分母",
    "不计入分母",
    "目标",
    "是否达标",
    "判定规则",
    "0–100 分",
    "有效样本量",
    "计算方法",
)


def header(survey: Survey, *, codes: bool = False) -> list[str]:
    """Column names of the response export: metadata, the kind (and its code), then one column per question id."""
    kind = ["kind", "kind_code", "official"] if codes else list(KIND_COLUMNS)
    return [*META, *kind, *(q.id for q in survey.questions)]


def response_rows(session: Session, survey: Survey, *, wave: str | None, codes: bool) -> Iterator[list[Any]]:
    """Every response of the survey (all statuses) as a row, read in batches."""
    counted = set(verification.counted_kinds(survey))
    last_id = 0
    while True:
        query = select(SurveyResponse).where(SurveyResponse.survey_id == survey.id, SurveyResponse.id > last_id)
        if wave is not None:
            query = query.where(SurveyResponse.wave == wave)
        batch = session.execute(query.order_by(SurveyResponse.id).limit(BATCH)).scalars().all()
        if not batch:
            return
        ids = [r.id for r in batch]
        values: dict[int, dict[str, list[str]]] = {}
        for response_id, question_id, value in session.execute(
            select(SurveyAnswer.response_id, SurveyAnswer.question_id, SurveyAnswer.value)
            .where(SurveyAnswer.response_id.in_(ids))
            .order_by(SurveyAnswer.id)
        ):
            values.setdefault(response_id, {}).setdefault(question_id, []).append(value)
        for r in batch:
            given = values.get(r.id, {})
            row: list[Any] = [
                r.id,
                r.survey_id,
                r.version,
                r.wave,
                r.status,
                r.source,
                r.channel or "",
                r.started_at.isoformat(),
                r.completed_at.isoformat() if r.completed_at else "",
            ]
            kind = verification.kind_of(r.source, r.verification)
            official = r.status == COMPLETED and kind in counted
            row.append(verification.KIND_NAMES.get(kind, kind))
            if codes:
                row += [kind, int(official)]
            else:
                row.append("计入" if official else "不计入")
            for q in survey.questions:
                chosen = given.get(q.id, [])
                row.append(JOIN.join(chosen if codes else [q.label(v) for v in chosen]))
            yield row
        last_id = ids[-1]


def write_csv(session: Session, survey: Survey, out: Path, *, wave: str | None, codes: bool = False) -> int:
    """Write the responses as UTF-8 CSV (with a BOM so Excel opens it, formulas escaped); returns the number of rows."""
    with out.open("w", encoding="utf-8", newline="") as handle:
        return tabular.write_csv(
            response_rows(session, survey, wave=wave, codes=codes), header(survey, codes=codes), handle
        )


def summary_rows(report: dict[str, Any]) -> list[list[Any]]:
    """The indicator summary table (one row per indicator)."""
    rows = []
    for item in report["indicators"]:
        met = texts.MET_UNKNOWN if item["met"] is None else (texts.MET_YES if item["met"] else texts.MET_NO)
        rows.append(
            [
                item["name"],
                item["rate"],
                item["ci_low"],
                item["ci_high"],
                item["numerator"],
                item["denominator"],
                item["excluded"],
                item["target"],
                met,
                rule_text(item["rule"]),
                item.get("score"),
                item["n_effective"],
                item["method"],
            ]
        )
    return rows


def write_xlsx(
    session: Session, survey: Survey, out: Path, *, report: dict[str, Any], wave: str | None, codes: bool = False
) -> int:
    """Write the workbook: 汇总 (summary with method), one sheet per breakdown, 回答 (responses); returns rows."""
    book = tabular.XlsxBook()
    summary = book.sheet("汇总")
    summary.append(
        [f"{report['title']}（{report['survey']} 第 {report['version']} 版，批次 {report['wave'] or '全部'}）"]
    )
    summary.append(["已完成问卷数", report["n"]])
    summary.append(list(SUMMARY_HEADER))
    for row in summary_rows(report):
        summary.append(row)
    for warning in report["warnings"]:
        summary.append(["提示", warning])
    reach = report.get("reach")
    if reach:
        summary.append([])
        summary.append([reach["label"], reach["residents_reached"], "登记居民", reach["residents_total"]])
        summary.append(["说明", reach["note"]])
    if report.get("kinds"):
        summary.append([])
        summary.append(["问卷来源", "份数", "正式统计"])  # which kinds the figures above count (surveys.verification)
        for name, count, counted in verification.kind_table(report):
            summary.append([name, count, counted])
    for dim, values in report["breakdown"].items():
        sheet = book.sheet(f"按{dim}")
        sheet.append([dim, "指标", "比例", "95%区间下限", "95%区间上限", "分子", "分母", "不计入分母", "是否达标"])
        for value, items in values.items():
            for item in items:
                sheet.append(
                    [
                        value,
                        item["name"],
                        item["rate"],
                        item["ci_low"],
                        item["ci_high"],
                        item["numerator"],
                        item["denominator"],
                        item["excluded"],
                        None if item["met"] is None else (texts.MET_YES if item["met"] else texts.MET_NO),
                    ]
                )
    responses = book.sheet("回答")
    responses.append(header(survey, codes=codes))
    count = 0
    for row in response_rows(session, survey, wave=wave, codes=codes):
        responses.append(row)
        count += 1
    book.save(out)
    return count


INDICATOR_CSV_HEADER = (
    "dimension",
    "value",
    "key",
    "name",
    "rate",
    "ci_low",
    "ci_high",
    "numerator",
    "denominator",
    "excluded",
    "target",
    "met",
    "rule",
    "score",
    "weighted",
    "n_effective",
)
OVERALL = "全部"


def indicator_rows(report: dict[str, Any]) -> Iterator[list[Any]]:
    """The indicators (overall, then every breakdown) as rows in `INDICATOR_CSV_HEADER` order."""
    groups: list[tuple[str, str, list[dict[str, Any]]]] = [(OVERALL, OVERALL, report["indicators"])]
    for dim, values in report["breakdown"].items():
        groups.extend((dim, value, items) for value, items in values.items())
    for dim, value, items in groups:
        for item in items:
            yield [
                dim,
                value,
                item["key"],
                item["name"],
                item["rate"],
                item["ci_low"],
                item["ci_high"],
                item["numerator"],
                item["denominator"],
                item["excluded"],
                item["target"],
                "" if item["met"] is None else int(item["met"]),
                item["rule"],
                "" if item.get("score") is None else item["score"],
                int(item.get("weighted", False)),
                "" if item.get("n_effective") is None else item["n_effective"],
            ]


def write_indicators_csv(report: dict[str, Any], handle: IO[str]) -> int:
    """The indicators as CSV (no BOM: the caller writes it, or not for standard output); returns the number of rows."""
    return tabular.write_csv(indicator_rows(report), INDICATOR_CSV_HEADER, handle, bom=False)
