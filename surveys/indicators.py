"""The three indicators as pure arithmetic on counts: rates with the Wilson 95% interval, exclusions, the pass
rule against the target, the 0–100 score, and optional post-stratification weights with Kish's effective n.

Counts come from `surveys.tally` (one GROUP BY in the database per indicator), so nothing here grows with the
number of responses: it grows with the number of strata.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

from surveys import texts
from surveys.definition import Indicator

Z95 = NormalDist().inv_cdf(0.975)  # 1.959963984540054
SMALL_N = 100  # below this many valid answers a 90% claim is hard to judge either way
Stratum = tuple[str | None, ...]


@dataclass(frozen=True)
class Cell:
    """Counts for one stratum (or the whole sample, stratum ()): respondents who answered the question, those
    excluded from the denominator, those in the numerator, and the sum of their 0–100 scores."""

    stratum: Stratum
    answered: int
    excluded: int
    numerator: int
    score_sum: float = 0.0

    @property
    def denominator(self) -> int:
        """Valid answers that count."""
        return self.answered - self.excluded


def wilson(successes: float, n: float, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for a proportion (None when n is 0); stays within [0, 1] unlike the normal one."""
    if n <= 0:
        return None
    p = successes / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    low = 0.0 if successes <= 0 else max(0.0, centre - half)
    high = 1.0 if successes >= n else min(1.0, centre + half)
    return low, high


@dataclass
class Result:
    """One indicator's figures, with its method in words."""

    key: str
    name: str
    rate: float | None
    numerator: int
    denominator: int
    excluded: int
    answered: int
    ci_low: float | None
    ci_high: float | None
    target: float
    met: bool | None
    rule: str
    method: str
    score: float | None = None
    weighted: bool = False
    n_effective: float | None = None
    warnings: list[str] = field(default_factory=list)

    def to_json(self, *, with_score: bool) -> dict[str, Any]:
        """The JSON object of one indicator (rates as shares, 0–1, rounded to 4 places)."""
        data: dict[str, Any] = {
            "key": self.key,
            "name": self.name,
            "rate": _round(self.rate),
            "numerator": self.numerator,
            "denominator": self.denominator,
            "excluded": self.excluded,
            "ci_low": _round(self.ci_low),
            "ci_high": _round(self.ci_high),
            "target": self.target,
            "met": self.met,
            "rule": self.rule,
            "method": self.method,
            "weighted": self.weighted,
            "n_effective": None if self.n_effective is None else round(self.n_effective, 1),
            "warnings": self.warnings,
        }
        if with_score:
            data["score"] = None if self.score is None else round(self.score, 2)
        return data


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def rule_text(rule: str) -> str:
    """The pass rule in words."""
    return texts.RULE_LOWER_BOUND if rule == "lower_bound" else texts.RULE_POINT


def method_text(indicator: Indicator, *, weights_source: str | None = None) -> str:
    """The full method statement printed with every result."""
    parts = [indicator.method, texts.METHOD_COMMON.format(rule=rule_text(indicator.rule))]
    if weights_source:
        parts.append(texts.METHOD_WEIGHTED.format(source=weights_source))
    return "".join(p for p in parts if p)


def evaluate(
    indicator: Indicator,
    cells: Sequence[Cell],
    *,
    population: Mapping[Stratum, float] | None = None,
    weights_source: str | None = None,
) -> Result:
    """Rate, interval, score and verdict from the counts; with `population`, post-stratified by its strata."""
    answered = sum(c.answered for c in cells)
    excluded = sum(c.excluded for c in cells)
    numerator = sum(c.numerator for c in cells)
    denominator = answered - excluded
    warnings: list[str] = []
    scored = bool(indicator.scores)
    if population is None:
        rate = numerator / denominator if denominator else None
        score = sum(c.score_sum for c in cells) / denominator if denominator and scored else None
        n_eff: float | None = float(denominator)
        interval = wilson(numerator, denominator)
    else:
        rate, score, n_eff, warnings = _post_stratified(cells, population, scored=scored)
        interval = wilson(rate * n_eff, n_eff) if rate is not None and n_eff else None
    low, high = interval if interval is not None else (None, None)
    met = _verdict(indicator, rate, low)
    if rate is None:
        warnings.append(texts.WARN_NO_DATA.format(name=indicator.name))
    else:
        if n_eff is not None and n_eff < SMALL_N:
            warnings.append(texts.WARN_SMALL_N.format(name=indicator.name, n=n_eff, target=indicator.target))
        if low is not None and high is not None and low < indicator.target <= high:
            warnings.append(
                texts.WARN_UNDECIDED.format(name=indicator.name, low=low, high=high, target=indicator.target)
            )
    return Result(
        key=indicator.key,
        name=indicator.name,
        rate=rate,
        numerator=numerator,
        denominator=denominator,
        excluded=excluded,
        answered=answered,
        ci_low=low,
        ci_high=high,
        target=indicator.target,
        met=met,
        rule=indicator.rule,
        method=method_text(indicator, weights_source=weights_source if population is not None else None),
        score=score,
        weighted=population is not None,
        n_effective=n_eff,
        warnings=warnings,
    )


def _verdict(indicator: Indicator, rate: float | None, low: float | None) -> bool | None:
    if rate is None or low is None:
        return None
    decisive = low if indicator.rule == "lower_bound" else rate
    return decisive >= indicator.target - 1e-12


def _post_stratified(
    cells: Sequence[Cell], population: Mapping[Stratum, float], *, scored: bool
) -> tuple[float | None, float | None, float | None, list[str]]:
    """Weighted rate, weighted score, Kish effective n and warnings.

    Each stratum h with population share W_h and d_h valid answers gives every respondent in it the weight
    W_h / d_h, so the rate is sum(W_h * p_h) and Kish's n_eff = (sum w)^2 / sum w^2 = 1 / sum(W_h^2 / d_h).
    Strata with population but no answers are dropped (and said); the other shares are rescaled.
    """
    warnings: list[str] = []
    by_stratum: dict[Stratum, Cell] = {}
    for cell in cells:
        if cell.denominator > 0:
            by_stratum[cell.stratum] = cell
    missing = [s for s, pop in population.items() if pop > 0 and s not in by_stratum]
    for stratum in missing:
        warnings.append(texts.WARN_EMPTY_CELL.format(cell="×".join(str(x) for x in stratum)))
    outside = sum(c.denominator for s, c in by_stratum.items() if s not in population)
    if outside:
        warnings.append(texts.WARN_UNWEIGHTED_CELL.format(count=outside))
    used = {s: population[s] for s in by_stratum if population.get(s, 0) > 0}
    total = sum(used.values())
    if not total:
        return None, None, None, warnings
    rate = 0.0
    score = 0.0
    inverse_n = 0.0
    for stratum, pop in used.items():
        share = pop / total
        cell = by_stratum[stratum]
        rate += share * cell.numerator / cell.denominator
        score += share * cell.score_sum / cell.denominator
        inverse_n += share * share / cell.denominator
    return rate, (score if scored else None), 1 / inverse_n, warnings
