"""Indicator arithmetic against hand-computed values: Wilson bounds, exclusions, pass rules, scores, weights."""

from __future__ import annotations

import math

import pytest

from surveys.definition import Indicator, load_surveys
from surveys.indicators import Cell, evaluate, rake, wilson

SAT = next(i for i in load_surveys()["public"].indicators if i.key == "satisfaction")
PUB = next(i for i in load_surveys()["public"].indicators if i.key == "publicity")


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # p = k/n, z = 1.959964: (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)
        (9, 10, 0.5958, 0.9821),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (1, 1, 0.2065, 1.0),
        (372, 400, 0.9007, 0.9511),
        (180, 200, 0.8506, 0.9343),
    ],
)
def test_wilson_bounds_match_hand_computed_values(k: int, n: int, low: float, high: float) -> None:
    found = wilson(k, n)
    assert found is not None
    assert found[0] == pytest.approx(low, abs=1e-4) and found[1] == pytest.approx(high, abs=1e-4)


def test_wilson_stays_inside_zero_and_one_where_the_normal_interval_does_not() -> None:
    k, n = 29, 30
    p = k / n
    normal_high = p + 1.96 * math.sqrt(p * (1 - p) / n)
    assert normal_high > 1
    low, high = wilson(k, n) or (0, 0)
    assert 0 < low < p < high < 1
    assert wilson(0, 0) is None


def test_satisfaction_excludes_unsure_and_scores_on_0_to_100() -> None:
    # 满意 5, 比较满意 3, 一般 1, 不满意 1, 不清楚 2 → rate (5+3)/10, score (500+240+60+20)/10
    cell = Cell((), answered=12, excluded=2, numerator=8, score_sum=5 * 100 + 3 * 80 + 60 + 20)
    result = evaluate(SAT, [cell])
    assert (result.numerator, result.denominator, result.excluded) == (8, 10, 2)
    assert result.rate == pytest.approx(0.8)
    assert result.score == pytest.approx(82.0)
    assert result.ci_low == pytest.approx(0.4902, abs=1e-4) and result.ci_high == pytest.approx(0.9433, abs=1e-4)
    assert result.met is False
    assert "不清楚" in result.method and "Wilson" in result.method
    assert any("太少" in w for w in result.warnings)


def test_pass_rule_point_versus_lower_bound() -> None:
    cell = Cell((), answered=200, excluded=0, numerator=186)  # 93%, Wilson low 0.8859
    assert evaluate(PUB, [cell]).met is True
    strict = Indicator(**{**PUB.__dict__, "rule": "lower_bound"})
    result = evaluate(strict, [cell])
    assert result.rate == pytest.approx(0.93) and result.ci_low == pytest.approx(0.8859, abs=1e-4)
    assert result.met is False and any("跨过目标" in w for w in result.warnings)
    assert evaluate(strict, [Cell((), 400, 0, 380)]).met is True  # 95%, low 0.9245


def test_zero_hundred_percent_and_no_data() -> None:
    assert evaluate(PUB, [Cell((), 7, 0, 0)]).rate == 0.0
    full = evaluate(PUB, [Cell((), 7, 0, 7)])
    assert full.rate == 1.0 and full.ci_high == 1.0 and full.met is True
    empty = evaluate(PUB, [])
    assert empty.rate is None and empty.met is None and empty.ci_low is None
    only_unsure = evaluate(SAT, [Cell((), 3, 3, 0)])
    assert only_unsure.denominator == 0 and only_unsure.rate is None


def test_post_stratification_weights_and_effective_n() -> None:
    # stratum A: 80 answers, 72 yes (0.9); B: 20 answers, 10 yes (0.5); population 50/50
    cells = [Cell(("a",), 80, 0, 72), Cell(("b",), 20, 0, 10)]
    plain = evaluate(PUB, cells)
    assert plain.rate == pytest.approx(0.82)
    weighted = evaluate(PUB, cells, population={("a",): 5000, ("b",): 5000, ("c",): 100}, weights_source="p.csv")
    assert weighted.rate == pytest.approx(0.5 * 0.9 + 0.5 * 0.5)  # c has no answers: dropped, shares rescaled
    # Kish: 1 / sum(W²/n) = 1 / (0.25/80 + 0.25/20) = 64
    assert weighted.n_effective == pytest.approx(64.0)
    low, high = wilson(0.7 * 64, 64) or (0, 0)
    assert weighted.ci_low == pytest.approx(low) and weighted.ci_high == pytest.approx(high)
    assert weighted.weighted and "p.csv" in weighted.method
    assert any("c" in w and "没有样本" in w for w in weighted.warnings)


# Raking: sample valid answers per township (a, b) × age band (y, o) and "yes" counts; margins a:b = 1:1, y:o = 4:6.
# For a 2×2 table IPF keeps the sample's odds ratio (10·40)/(30·20) = 2/3 and matches both margins, so with
# totals of 100 the fitted (a, y) cell m solves m(10 + m) = (2/3)(50 − m)(40 − m), i.e. m² + 210m − 4000 = 0.
RAKE_CELLS = [
    Cell(("a", "y"), 10, 0, 9),
    Cell(("a", "o"), 30, 0, 24),
    Cell(("b", "y"), 20, 0, 16),
    Cell(("b", "o"), 40, 0, 20),
]
M11 = (-210 + math.sqrt(210**2 + 4 * 4000)) / 2  # 17.5765
FITTED = {("a", "y"): M11, ("a", "o"): 50 - M11, ("b", "y"): 40 - M11, ("b", "o"): 10 + M11}


def test_raking_matches_the_closed_form_of_a_two_by_two_table() -> None:
    sample = {c.stratum: float(c.denominator) for c in RAKE_CELLS}
    fitted, rounds, converged = rake(sample, [{"a": 50.0, "b": 50.0}, {"y": 40.0, "o": 60.0}])
    assert converged and rounds < 100
    for stratum, value in FITTED.items():
        assert fitted[stratum] == pytest.approx(value, rel=1e-7)
    margins = [{"a": 5000.0, "b": 5000.0, "c": 1000.0}, {"y": 4000.0, "o": 6000.0}]  # c: nobody answered there
    result = evaluate(PUB, RAKE_CELLS, margins=margins, weights_source="margins.csv")
    rates = {("a", "y"): 0.9, ("a", "o"): 0.8, ("b", "y"): 0.8, ("b", "o"): 0.5}
    expected = sum(FITTED[s] * rates[s] for s in FITTED) / 100  # 0.7348
    assert result.rate == pytest.approx(expected, rel=1e-7) and result.rate == pytest.approx(0.7348, abs=1e-4)
    assert evaluate(PUB, RAKE_CELLS).rate == pytest.approx(0.69)  # unweighted
    n = {("a", "y"): 10, ("a", "o"): 30, ("b", "y"): 20, ("b", "o"): 40}
    kish = 1 / sum((FITTED[s] / 100) ** 2 / n[s] for s in FITTED)  # 90.8
    assert result.n_effective == pytest.approx(kish, rel=1e-6)
    assert result.weighted and "raking" in result.method and "margins.csv" in result.method
    assert any("“c”" in w and "没有样本" in w for w in result.warnings)


def test_raking_warns_on_tiny_cells_and_when_the_margins_cannot_be_reached() -> None:
    diagonal = {("a", "y"): 5.0, ("b", "o"): 5.0}  # a is always young: a 1:1 township and 2:8 age split is impossible
    _fitted, rounds, converged = rake(diagonal, [{"a": 0.5, "b": 0.5}, {"y": 0.2, "o": 0.8}], max_rounds=50)
    assert not converged and rounds == 50
    cells = [Cell(("a", "y"), 3, 0, 3), Cell(("b", "o"), 5, 0, 4)]
    result = evaluate(PUB, cells, margins=[{"a": 1.0, "b": 1.0}, {"y": 2.0, "o": 8.0}], weights_source="m.csv")
    assert any("只有 3 份" in w for w in result.warnings)
    assert any("未收敛" in w for w in result.warnings)


def test_post_stratification_names_a_stratum_with_fewer_than_five_answers() -> None:
    cells = [Cell(("xz_hezhuang",), 1, 0, 1), Cell(("xm_qingping",), 60, 0, 50)]
    weighted = evaluate(PUB, cells, population={("xz_hezhuang",): 100, ("xm_qingping",): 100}, weights_source="p.csv")
    assert any("xz_hezhuang" in w and "只有 1 份" in w for w in weighted.warnings)
    assert not any("xm_qingping" in w and "只有" in w for w in weighted.warnings)
    assert weighted.n_effective is not None and weighted.n_effective < 61


def test_weights_over_the_cap_are_trimmed_and_reported() -> None:
    # one answer standing for half the population would weigh 50 times the average; the cap is 5
    cells = [Cell(("a",), 1, 0, 0), Cell(("b",), 99, 0, 99)]
    weighted = evaluate(PUB, cells, population={("a",): 500, ("b",): 500}, weights_source="p.csv")
    assert any("已截断到 5 倍" in w and "a" in w for w in weighted.warnings)
    # untrimmed the rate would be 0.5; trimmed, the lone "no" counts 5 times the mean: 1 - 5/100
    assert weighted.rate == pytest.approx(0.95)
    assert weighted.n_effective == pytest.approx(1 / (1 * (0.05) ** 2 + 99 * (0.95 / 99) ** 2))
    untouched = evaluate(PUB, [Cell(("a",), 50, 0, 25), Cell(("b",), 50, 0, 50)], population={("a",): 1, ("b",): 1},
                         weights_source="p.csv")  # fmt: skip
    assert not any("截断" in w for w in untouched.warnings) and untouched.rate == pytest.approx(0.75)
