"""The indicator report of one survey wave: overall figures, breakdowns, the method and the campaign reach, as
one JSON-ready dict (the input of every export format)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys import tally, texts, verification
from surveys.definition import Survey
from surveys.indicators import Result, evaluate
from surveys.models import COMPLETED, SurveyResponse
from surveys.reach import reach
from surveys.weights import Population


def build(
    session: Session,
    survey: Survey,
    *,
    wave: str | None,
    by: Sequence[str] = (),
    weights: Population | None = None,
    weights_source: str | None = None,
    with_reach: bool = True,
    with_trend: bool = False,
) -> dict[str, Any]:
    """{"survey", "wave", "n", "indicators": [...], "breakdown": {dimension: {value: [...]}}, "warnings", "reach"}."""
    tallies = {dim: tally.tally_all(session, survey, wave=wave, by=[dim]) for dim in dict.fromkeys(by)}
    # a dimension that splits the responses into disjoint groups also gives the overall counts: one pass fewer
    partition = next((d for d in tallies if d != tally.CELL_TYPE), None)
    if weights is None and partition is not None:
        counted = tallies[partition]
        results = [evaluate(i, counted.get(i.key, [])) for i in survey.indicators]
    else:
        results = overall(session, survey, wave=wave, weights=weights, weights_source=weights_source)
    breakdown: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for dim, counts in tallies.items():
        per_value: dict[str | None, list[Result]] = {}
        for key, cells in counts.items():
            indicator = next(i for i in survey.indicators if i.key == key)
            for cell in cells:
                per_value.setdefault(cell.stratum[0], []).append(evaluate(indicator, [cell]))
        breakdown[dim] = {}
        for value, found in sorted(per_value.items(), key=lambda kv: _order(survey, dim, kv[0])):
            breakdown[dim][label(survey, dim, value)] = [_json(survey, r) for r in found]
    warnings = [w for r in results for w in r.warnings]
    data: dict[str, Any] = {
        "survey": survey.id,
        "title": survey.title,
        "version": survey.version,
        "wave": wave,
        "n": tally.count_responses(session, survey, wave),
        # every completed response by kind, and the kinds the official figures (n, indicators) count
        "kinds": verification.kind_counts(session, survey, wave),
        "counted_kinds": verification.counted_kinds(survey),
        "kind_names": dict(verification.KIND_NAMES),
        "indicators": [_json(survey, r) for r in results],
        "breakdown": breakdown,
        "warnings": list(dict.fromkeys(warnings)),
        "weighting": None
        if weights is None
        else {"method": "raking" if weights.raked else "post_stratification", "dims": list(weights.dims)},
    }
    if with_reach:
        data["reach"] = reach(session)
    if with_trend:
        data["trend"] = trend(session, survey)
    return data


def trend(session: Session, survey: Survey) -> list[dict[str, Any]]:
    """Every wave with completed answers, oldest first: n and each indicator with its interval (unweighted)."""
    waves = session.scalars(
        select(SurveyResponse.wave)
        .where(SurveyResponse.survey_id == survey.id, SurveyResponse.status == COMPLETED)
        .distinct()
    ).all()
    return [
        {
            "wave": wave,
            "n": tally.count_responses(session, survey, wave),
            "indicators": [_json(survey, r) for r in overall(session, survey, wave=wave)],
        }
        for wave in sorted(waves)
    ]


def overall(
    session: Session,
    survey: Survey,
    *,
    wave: str | None,
    weights: Population | None = None,
    weights_source: str | None = None,
) -> list[Result]:
    """Every indicator of the survey over the whole sample (weighted when `weights` are given)."""
    by = weights.dims if weights is not None else ()
    counted = tally.tally_all(session, survey, wave=wave, by=by)
    results = []
    for indicator in survey.indicators:
        cells = counted.get(indicator.key, [])
        if weights is None:
            results.append(evaluate(indicator, cells))
        else:
            results.append(
                evaluate(
                    indicator,
                    cells,
                    population=weights.cells,
                    margins=weights.margins,
                    weights_source=weights_source or "?",
                    labels=stratum_labels(survey, weights.dims),
                )
            )
    return results


def stratum_labels(survey: Survey, dims: Sequence[str]) -> dict[str, str]:
    """Option code → label of the weighting dimensions, so warnings name strata as people read them."""
    labels: dict[str, str] = {}
    for dim in dims:
        try:
            labels.update({o.code: o.label for o in survey.question(dim).options})
        except KeyError:
            continue
    return labels


def _json(survey: Survey, result: Result) -> dict[str, Any]:
    indicator = next(i for i in survey.indicators if i.key == result.key)
    return result.to_json(with_score=bool(indicator.scores))


def label(survey: Survey, dim: str, value: str | None) -> str:
    """What a breakdown value is called in reports (an option label where the dimension is a question)."""
    if value is None:
        return texts.CELL_NO_RESIDENT if dim == tally.CELL_TYPE else texts.NOT_ANSWERED
    try:
        return survey.question(dim).label(value)
    except KeyError:
        return value


def _order(survey: Survey, dim: str, value: str | None) -> tuple[int, str]:
    """Questionnaire order for question dimensions (then the rest alphabetically, unanswered last)."""
    if value is None:
        return (10**6, "")
    try:
        codes = [o.code for o in survey.question(dim).options]
    except KeyError:
        return (0, value)
    return (codes.index(value), "") if value in codes else (len(codes), value)
