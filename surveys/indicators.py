"""The three indicators as pure arithmetic on counts: rates with the Wilson 95% interval, exclusions, the pass
rule against the target, the 0–100 score, and optional weights with Kish's effective n: post-stratification on
joint population cells, or raking (iterative proportional fitting) to separate margins per dimension.

Counts come from `surveys.tally` (one pass over the answers in the database), so nothing here grows with the
number of responses: it grows with the number of strata.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

from surveys import texts
from surveys.definition import Indicator

Z95 = NormalDist().inv_cdf(0.975)  # 1.959963984540054
SMALL_N = 100  # below this many valid answers a 90% claim is hard to judge either way
TINY_CELL = 5  # a weighting category with fewer valid answers than this gets a warning (its weights are large)
WEIGHT_CAP = (
    5.0  # no respondent counts for more than this many times the average respondent; larger weights are trimmed
)
RAKE_TOLERANCE = 1e-9  # largest relative gap between a fitted margin and its target when raking stops
RAKE_MAX_ROUNDS = 1000
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
    """The Wilson score interval for a proportion (statsmodels; None when n is 0); stays within [0, 1]."""
    if n <= 0:
        return None
    from statsmodels.stats.proportion import proportion_confint  # about 1 s to import: only when figures are made

    alpha = 2 * (1 - NormalDist().cdf(z))
    low, high = proportion_confint(min(max(successes, 0.0), n), n, alpha=alpha, method="wilson")
    low = 0.0 if successes <= 0 else max(0.0, float(low))
    high = 1.0 if successes >= n else min(1.0, float(high))
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


def method_text(indicator: Indicator, *, weights_source: str | None = None, raked: bool = False) -> str:
    """The full method statement printed with every result."""
    parts = [indicator.method, texts.METHOD_COMMON.format(rule=rule_text(indicator.rule))]
    if weights_source:
        parts.append((texts.METHOD_RAKED if raked else texts.METHOD_WEIGHTED).format(source=weights_source))
    return "".join(p for p in parts if p)


def evaluate(
    indicator: Indicator,
    cells: Sequence[Cell],
    *,
    population: Mapping[Stratum, float] | None = None,
    margins: Sequence[Mapping[str, float]] | None = None,
    weights_source: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Result:
    """Rate, interval, score and verdict from the counts; with `population` post-stratified by its strata, with
    `margins` (one mapping per position of the strata) raked to them; warnings name strata by `labels` (code → label)."""
    answered = sum(c.answered for c in cells)
    excluded = sum(c.excluded for c in cells)
    numerator = sum(c.numerator for c in cells)
    denominator = answered - excluded
    warnings: list[str] = []
    scored = bool(indicator.scores)
    weighted = population is not None or margins is not None
    if margins is not None:
        population, warnings = rake_cells(cells, margins, labels=labels)
    if population is None:
        rate = numerator / denominator if denominator else None
        score = sum(c.score_sum for c in cells) / denominator if denominator and scored else None
        n_eff: float | None = float(denominator)
        interval = wilson(numerator, denominator)
    else:
        rate, score, n_eff, more = _post_stratified(cells, population, scored=scored, labels=labels)
        warnings += more
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
        method=method_text(indicator, weights_source=weights_source if weighted else None, raked=margins is not None),
        score=score,
        weighted=weighted,
        n_effective=n_eff,
        warnings=warnings,
    )


def _verdict(indicator: Indicator, rate: float | None, low: float | None) -> bool | None:
    if rate is None or low is None:
        return None
    decisive = low if indicator.rule == "lower_bound" else rate
    return decisive >= indicator.target - 1e-12


def stratum_name(stratum: Stratum, labels: Mapping[str, str] | None = None) -> str:
    """How a warning names a stratum: its values' labels joined by ×, e.g. 新郑·和庄镇×30–44岁."""
    return "×".join((labels or {}).get(str(x), str(x)) for x in stratum)


def _post_stratified(
    cells: Sequence[Cell],
    population: Mapping[Stratum, float],
    *,
    scored: bool,
    labels: Mapping[str, str] | None = None,
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
        warnings.append(texts.WARN_EMPTY_CELL.format(cell=stratum_name(stratum, labels)))
    outside = sum(c.denominator for s, c in by_stratum.items() if s not in population)
    if outside:
        warnings.append(texts.WARN_UNWEIGHTED_CELL.format(count=outside))
    used = {s: population[s] for s in by_stratum if population.get(s, 0) > 0}
    total = sum(used.values())
    if not total:
        return None, None, None, warnings
    for stratum in sorted(used, key=str):
        if by_stratum[stratum].denominator < TINY_CELL:
            name = stratum_name(stratum, labels)
            warnings.append(texts.WARN_TINY_CELL.format(cell=name, n=by_stratum[stratum].denominator))
    weights = {s: (pop / total) / by_stratum[s].denominator for s, pop in used.items()}  # per respondent, sum 1
    weights, trimmed = trim_weights(weights, {s: by_stratum[s].denominator for s in used})
    if trimmed:
        names = "、".join(stratum_name(s, labels) for s in trimmed)
        warnings.append(texts.WARN_TRIMMED.format(cap=WEIGHT_CAP, cells=names))
    rate = sum(w * by_stratum[s].numerator for s, w in weights.items())
    score = sum(w * by_stratum[s].score_sum for s, w in weights.items())
    inverse_n = sum(w * w * by_stratum[s].denominator for s, w in weights.items())
    return rate, (score if scored else None), 1 / inverse_n, warnings


def trim_weights(
    weights: Mapping[Stratum, float], counts: Mapping[Stratum, int], *, cap: float = WEIGHT_CAP, rounds: int = 20
) -> tuple[dict[Stratum, float], list[Stratum]]:
    """Per-respondent weights (summing to one over all respondents) with none above `cap` times the mean weight.

    The usual trimming: weights over the cap are set to it and the rest rescaled so the total stays one; repeated,
    since rescaling can push another stratum over. Returns the weights and the strata that were trimmed."""
    n = sum(counts.values())
    limit = cap / n
    current = dict(weights)
    trimmed: set[Stratum] = set()
    for _ in range(rounds):
        over = {s for s, w in current.items() if w > limit * (1 + 1e-9)}
        if not over:
            break
        trimmed |= over
        fixed = sum(limit * counts[s] for s in trimmed)
        free = sum(current[s] * counts[s] for s in current if s not in trimmed)
        if free <= 0 or fixed >= 1:
            break  # every stratum at the cap: nothing left to rescale
        scale = (1 - fixed) / free
        current = {s: (limit if s in trimmed else w * scale) for s, w in current.items()}
    return current, sorted(trimmed, key=str)


def rake(
    sample: Mapping[Stratum, float],
    margins: Sequence[Mapping[str, float]],
    *,
    tolerance: float = RAKE_TOLERANCE,
    max_rounds: int = RAKE_MAX_ROUNDS,
) -> tuple[dict[Stratum, float], int, bool]:
    """Iterative proportional fitting: scale the sample cell counts, one dimension at a time, until every margin
    (one mapping per position of the strata, all with the same total) is matched; returns (fitted cells, rounds,
    converged). Cells stay zero where the sample is zero, so margins the sample cannot reach never converge."""
    fitted = {s: float(n) for s, n in sample.items() if n > 0}
    for rounds in range(1, max_rounds + 1):
        for d, margin in enumerate(margins):
            current: dict[str, float] = {}
            for stratum, value in fitted.items():
                current[str(stratum[d])] = current.get(str(stratum[d]), 0.0) + value
            for stratum in fitted:
                have = current[str(stratum[d])]
                fitted[stratum] *= margin.get(str(stratum[d]), 0.0) / have if have else 0.0
        gap = 0.0
        for d, margin in enumerate(margins):
            current = {}
            for stratum, value in fitted.items():
                current[str(stratum[d])] = current.get(str(stratum[d]), 0.0) + value
            for key, target in margin.items():
                gap = max(gap, abs(current.get(key, 0.0) - target) / target if target else 0.0)
        if gap <= tolerance:
            return fitted, rounds, True
    return fitted, max_rounds, False


def rake_cells(
    cells: Sequence[Cell], margins: Sequence[Mapping[str, float]], *, labels: Mapping[str, str] | None = None
) -> tuple[dict[Stratum, float], list[str]]:
    """The population per sample cell from separate margins (raking), with warnings for what could not be used.

    Margin categories nobody answered in are dropped (warned) and every margin is rescaled to shares of one
    common total, so the remaining margins agree; sample cells outside the margins are left out (the
    post-stratification step that follows warns about them).
    """
    warnings: list[str] = []
    inside = [c for c in cells if c.denominator > 0 and all(str(c.stratum[d]) in m for d, m in enumerate(margins))]
    scaled: list[dict[str, float]] = []
    for d, margin in enumerate(margins):
        seen: dict[str, int] = {}
        for cell in inside:
            seen[str(cell.stratum[d])] = seen.get(str(cell.stratum[d]), 0) + cell.denominator
        kept = {k: v for k, v in margin.items() if v > 0 and k in seen}
        for key in sorted(k for k, v in margin.items() if v > 0 and k not in seen):
            warnings.append(texts.WARN_EMPTY_CELL.format(cell=stratum_name((key,), labels)))
        for key in sorted(k for k in kept if seen[k] < TINY_CELL):
            warnings.append(texts.WARN_TINY_CELL.format(cell=stratum_name((key,), labels), n=seen[key]))
        total = sum(kept.values())
        scaled.append({k: v / total for k, v in kept.items()} if total else {})
    if any(not m for m in scaled):
        return {}, warnings
    sample = {c.stratum: float(c.denominator) for c in inside}
    fitted, rounds, converged = rake(sample, scaled)
    if not converged:
        warnings.append(texts.WARN_RAKE_DIVERGED.format(rounds=rounds))
    return fitted, warnings
