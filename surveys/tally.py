"""Indicator counts straight from the database: one GROUP BY per indicator, whatever the number of responses.

For each completed response the answers to the indicator's question are folded into three flags (any numerator
option, only excluded options, its 0–100 score); the outer query sums those flags per stratum.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, select
from sqlalchemy.orm import Session

from surveys.definition import Indicator, Survey
from surveys.indicators import Cell
from surveys.models import COMPLETED, SurveyAnswer, SurveyResponse

GROUPABLE = ("township", "age_band", "identity", "channel", "source", "wave")


def _scope(survey: Survey, wave: str | None) -> list[Any]:
    conditions: list[Any] = [SurveyResponse.survey_id == survey.id, SurveyResponse.status == COMPLETED]
    if wave is not None:
        conditions.append(SurveyResponse.wave == wave)
    return conditions


def count_responses(session: Session, survey: Survey, wave: str | None) -> int:
    """Completed responses in scope."""
    return int(session.scalar(select(func.count()).select_from(SurveyResponse).where(*_scope(survey, wave))) or 0)


def tally(
    session: Session, survey: Survey, indicator: Indicator, *, wave: str | None, by: Sequence[str] = ()
) -> list[Cell]:
    """Counts of one indicator per stratum of the `by` columns (one Cell with stratum () when `by` is empty)."""
    unknown = [b for b in by if b not in GROUPABLE]
    if unknown:
        raise ValueError(f"cannot group by {', '.join(unknown)} (one of {', '.join(GROUPABLE)})")
    value = SurveyAnswer.value
    hit = func.max(case((value.in_(indicator.numerator), 1), else_=0))
    only_excluded = func.min(case((value.in_(indicator.excluded), 1), else_=0)) if indicator.excluded else literal(0)
    score: ColumnElement[Any] = literal(0.0)
    if indicator.scores:
        score = func.max(case(*[(value == code, pts) for code, pts in indicator.scores.items()], else_=0.0))
    per_response = (
        select(
            SurveyAnswer.response_id.label("response_id"),
            hit.label("hit"),
            only_excluded.label("excl"),
            score.label("score"),
        )
        .where(SurveyAnswer.question_id == indicator.question)
        .group_by(SurveyAnswer.response_id)
        .subquery()
    )
    dims = [getattr(SurveyResponse, b) for b in by]
    counted = case((per_response.c.excl == 0, 1), else_=0)
    query = (
        select(
            *dims,
            func.count().label("answered"),
            func.coalesce(func.sum(per_response.c.excl), 0),
            func.coalesce(func.sum(per_response.c.hit * counted), 0),
            func.coalesce(func.sum(per_response.c.score * counted), 0.0),
        )
        .select_from(per_response)
        .join(SurveyResponse, SurveyResponse.id == per_response.c.response_id)
        .where(*_scope(survey, wave))
        .group_by(*dims)
    )
    cells = []
    for row in session.execute(query):
        stratum = tuple(row[: len(by)])
        answered, excluded, numerator, score_sum = row[len(by) :]
        cells.append(Cell(stratum, int(answered), int(excluded), int(numerator), float(score_sum)))
    return cells
