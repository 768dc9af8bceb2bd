"""The indicator report of one survey wave: overall figures, breakdowns and the method, as one JSON-ready dict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from surveys import tally
from surveys.definition import Survey
from surveys.indicators import Result, Stratum, evaluate


def build(
    session: Session,
    survey: Survey,
    *,
    wave: str | None,
    by: Sequence[str] = (),
    weights: tuple[tuple[str, ...], Mapping[Stratum, float]] | None = None,
    weights_source: str | None = None,
) -> dict[str, Any]:
    """{"survey", "wave", "n", "indicators": [...], "breakdown": {dimension: {value: [...]}}, "warnings": [...]}."""
    results = overall(session, survey, wave=wave, weights=weights, weights_source=weights_source)
    breakdown: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for dim in by:
        breakdown[dim] = {}
        per_value: dict[str | None, list[Result]] = {}
        for indicator in survey.indicators:
            cells = tally.tally(session, survey, indicator, wave=wave, by=[dim])
            for cell in cells:
                per_value.setdefault(cell.stratum[0], []).append(evaluate(indicator, [cell]))
        for value, found in sorted(per_value.items(), key=lambda kv: str(kv[0] or "")):
            label = _label(survey, dim, value)
            breakdown[dim][label] = [_json(survey, r) for r in found]
    warnings = [w for r in results for w in r.warnings]
    return {
        "survey": survey.id,
        "title": survey.title,
        "version": survey.version,
        "wave": wave,
        "n": tally.count_responses(session, survey, wave),
        "indicators": [_json(survey, r) for r in results],
        "breakdown": breakdown,
        "warnings": list(dict.fromkeys(warnings)),
    }


def overall(
    session: Session,
    survey: Survey,
    *,
    wave: str | None,
    weights: tuple[tuple[str, ...], Mapping[Stratum, float]] | None = None,
    weights_source: str | None = None,
) -> list[Result]:
    """Every indicator of the survey over the whole sample (post-stratified when weights are given)."""
    results = []
    for indicator in survey.indicators:
        if weights is None:
            cells = tally.tally(session, survey, indicator, wave=wave)
            results.append(evaluate(indicator, cells))
        else:
            dims, population = weights
            cells = tally.tally(session, survey, indicator, wave=wave, by=dims)
            results.append(evaluate(indicator, cells, population=population, weights_source=weights_source))
    return results


def _json(survey: Survey, result: Result) -> dict[str, Any]:
    indicator = next(i for i in survey.indicators if i.key == result.key)
    return result.to_json(with_score=bool(indicator.scores))


def _label(survey: Survey, dim: str, value: str | None) -> str:
    if value is None:
        return "（未回答）"
    try:
        return survey.question(dim).label(value)
    except KeyError:
        return value
