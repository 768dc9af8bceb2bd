"""Indicator counts straight from the database: all indicators of a survey in one pass over the answers.

For each completed response the answers to every indicator's question are folded into flags per indicator
(answered it, any numerator option, only excluded options, its 0–100 score) by one GROUP BY response; the outer
query sums those flags per stratum. One scan of the answers serves every indicator and the breakdown.
Only the responses the official figures count are in scope (`_scope`, the one place: open web answers nobody proved
are left out unless the survey says otherwise, see surveys.verification).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.orm import Session

from campaigns.models import Cell as CampaignCell
from campaigns.models import CellMember
from surveys.definition import Indicator, Survey
from surveys.indicators import Cell
from surveys.models import COMPLETED, SurveyAnswer, SurveyResponse
from surveys.verification import official

COLUMNS = ("township", "age_band", "identity", "channel", "source", "wave")
CELL_TYPE = "cell_type"  # the 无废细胞 type(s) of the respondent's resident, from the campaigns tables
GROUPABLE = (*COLUMNS, CELL_TYPE)
NOT_JOINED = "未加入"  # a resident in no 无废细胞; responses without a resident (anonymous, imports) get None


def _scope(survey: Survey, wave: str | None) -> list[Any]:
    conditions: list[Any] = [SurveyResponse.survey_id == survey.id, SurveyResponse.status == COMPLETED]
    if wave is not None:
        conditions.append(SurveyResponse.wave == wave)
    counted = official(survey)
    if counted is not None:
        conditions.append(counted)
    return conditions


def count_responses(session: Session, survey: Survey, wave: str | None) -> int:
    """Completed responses the official figures count."""
    return int(session.scalar(select(func.count()).select_from(SurveyResponse).where(*_scope(survey, wave))) or 0)


def _flags(indicator: Indicator, i: int) -> list[ColumnElement[Any]]:
    """Per-response aggregates of one indicator over the rows of every indicator question."""
    qid, value = SurveyAnswer.question_id, SurveyAnswer.value
    mine = qid == indicator.question
    answered = func.max(case((mine, 1), else_=0))
    hit = func.max(case((and_(mine, value.in_(indicator.numerator)), 1), else_=0))
    if indicator.excluded:  # every answer to the question is an excluded option (rows of other questions: 1)
        only_excluded: ColumnElement[Any] = func.min(
            case((and_(mine, value.in_(indicator.excluded)), 1), (mine, 0), else_=1)
        )
    else:
        only_excluded = literal(0)
    score: ColumnElement[Any] = literal(0.0)
    if indicator.scores:
        score = func.max(case(*[(and_(mine, value == code), pts) for code, pts in indicator.scores.items()], else_=0.0))
    return [answered.label(f"a{i}"), hit.label(f"h{i}"), only_excluded.label(f"x{i}"), score.label(f"s{i}")]


def _dimension(name: str) -> tuple[ColumnElement[Any], Any]:
    """The grouping expression of one dimension, and a (subquery, on-clause) to outer-join, if any."""
    if name in COLUMNS:
        return getattr(SurveyResponse, name), None
    if name != CELL_TYPE:
        raise ValueError(f"cannot group by {name} (one of {', '.join(GROUPABLE)})")
    types = (
        select(CellMember.resident_id.label("resident_id"), CampaignCell.type.label("type"))
        .join(CampaignCell, CampaignCell.id == CellMember.cell_id)
        .distinct()
        .subquery("resident_cell_types")
    )
    label = case((SurveyResponse.resident_id.is_(None), None), (types.c.type.is_(None), NOT_JOINED), else_=types.c.type)
    return label, (types, types.c.resident_id == SurveyResponse.resident_id)


def tally_all(session: Session, survey: Survey, *, wave: str | None, by: Sequence[str] = ()) -> dict[str, list[Cell]]:
    """Counts of every indicator per stratum of `by` (one Cell with stratum () when `by` is empty), in one query.

    With `cell_type` a resident in cells of two types is counted under both, so that breakdown is not a partition.
    """
    indicators = survey.indicators
    if not indicators:
        return {}
    dims = [_dimension(b) for b in by]
    flags = [f for i, indicator in enumerate(indicators) for f in _flags(indicator, i)]
    per_response = (
        select(SurveyAnswer.response_id.label("response_id"), *flags)
        .where(SurveyAnswer.question_id.in_({i.question for i in indicators}))
        .group_by(SurveyAnswer.response_id)
        .subquery("per_response")
    )
    c = per_response.c
    sums: list[ColumnElement[Any]] = []
    for i in range(len(indicators)):
        counted = c[f"a{i}"] * (1 - c[f"x{i}"])  # answered, and not only with excluded options
        sums += [
            func.coalesce(func.sum(c[f"a{i}"]), 0),
            func.coalesce(func.sum(c[f"a{i}"] * c[f"x{i}"]), 0),
            func.coalesce(func.sum(c[f"h{i}"] * counted), 0),
            func.coalesce(func.sum(c[f"s{i}"] * counted), 0.0),
        ]
    joined = per_response.join(SurveyResponse, SurveyResponse.id == c.response_id)
    for _expr, join in dims:
        if join is not None:
            joined = joined.outerjoin(join[0], join[1])
    keys = [expr for expr, _join in dims]
    query = select(*keys, *sums).select_from(joined).where(*_scope(survey, wave)).group_by(*keys)
    cells: dict[str, list[Cell]] = {i.key: [] for i in indicators}
    for row in session.execute(query):
        stratum = tuple(row[: len(by)])
        values = row[len(by) :]
        for i, indicator in enumerate(indicators):
            answered, excluded, numerator, score_sum = values[4 * i : 4 * i + 4]
            if int(answered):
                cells[indicator.key].append(
                    Cell(stratum, int(answered), int(excluded), int(numerator), float(score_sum))
                )
    return cells


def tally(
    session: Session, survey: Survey, indicator: Indicator, *, wave: str | None, by: Sequence[str] = ()
) -> list[Cell]:
    """Counts of one indicator per stratum of the `by` columns (one Cell with stratum () when `by` is empty)."""
    one = replace(survey, indicators=(indicator,))
    return tally_all(session, one, wave=wave, by=by)[indicator.key]
