"""A statistical fallback trained on the catalogue itself: character n-gram naive Bayes over item names.

Chinese item names are head-final, so the model sees the name's last one to three characters as their own features
besides its 1–3-grams. Raw naive-Bayes posteriors are over-confident; they are divided by a temperature fitted on
held-out folds of the catalogue (bench/fallback_curve.py prints the fit and the precision/coverage curve that chose
ANSWER_AT). Pure Python: no import cost at start-up, trained lazily on the first name nothing else could place.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Chosen on held-out folds of the catalogue (bench/fallback_curve.py): the lowest calibrated probability at which
# the held-out answers stay at least 95% right; below it the bot asks or says it is not sure.
TEMPERATURE = 4.0
ANSWER_AT = 0.97
ASK_AT = 0.85  # the two likeliest bins together: ask which one, rather than "不确定"
ALPHA = 0.1


def features(name: str) -> list[str]:
    """Character 1–3-grams of the name with boundaries, plus its last one to three characters."""
    text = f"^{name}$"
    grams = [text[i : i + n] for n in (1, 2, 3) for i in range(len(text) - n + 1)]
    grams.remove("^")
    grams.remove("$")
    grams.extend(f"END{n}:{name[-n:]}" for n in (1, 2, 3) if len(name) >= n)
    return grams


@dataclass(frozen=True)
class Prediction:
    """The bins ranked by calibrated probability."""

    ranked: tuple[tuple[str, float], ...]

    @property
    def category(self) -> str:
        """The likeliest bin."""
        return self.ranked[0][0]

    @property
    def probability(self) -> float:
        """Its calibrated probability."""
        return self.ranked[0][1]

    @property
    def top_two(self) -> float:
        """The two likeliest bins' probability together."""
        return sum(p for _, p in self.ranked[:2])


class NgramModel:
    """Multinomial naive Bayes over character n-grams of catalogue names."""

    def __init__(self, examples: Iterable[tuple[str, str]], *, temperature: float = TEMPERATURE) -> None:
        self.temperature = temperature
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        classes: Counter[str] = Counter()
        for name, category in examples:
            if not name or name.isascii():
                continue
            classes[category] += 1
            counts[category].update(features(name))
        self.counts = dict(counts)
        size = len({f for c in counts.values() for f in c}) or 1
        total = sum(classes.values()) or 1
        self.classes = sorted(classes)
        self.prior = {c: math.log(classes[c] / total) for c in self.classes}
        self.log_denominator = {c: math.log(sum(counts[c].values()) + ALPHA * size) for c in self.classes}
        self.unseen = {c: math.log(ALPHA) - self.log_denominator[c] for c in self.classes}
        self._rows: dict[str, tuple[float, ...]] = {}  # a seen feature's term for every class, made on first use

    def scores(self, name: str) -> dict[str, float]:
        """Unnormalised log posteriors; features never seen in training are skipped."""
        scores = dict(self.prior)
        rows = self._rows
        for feature in features(name):
            row = rows.get(feature)
            if row is None:
                row = self._row(feature)
                if row is None:
                    continue
            for c, term in zip(self.classes, row, strict=True):
                scores[c] += term
        return scores

    def _row(self, feature: str) -> tuple[float, ...] | None:
        """What a feature adds to each class's log posterior; None for a feature no training name had."""
        counted = {c: self.counts[c][feature] for c in self.classes if feature in self.counts[c]}
        if not counted:
            return None
        row = tuple(
            self.unseen[c] if (n := counted.get(c)) is None else math.log(n + ALPHA) - self.log_denominator[c]
            for c in self.classes
        )
        self._rows[feature] = row
        return row

    def predict(self, name: str, *, temperature: float | None = None) -> Prediction:
        """Calibrated probabilities of every bin for the name."""
        scores = self.scores(name)
        t = self.temperature if temperature is None else temperature
        top = max(scores.values())
        weights = {c: math.exp((s - top) / t) for c, s in scores.items()}
        total = sum(weights.values())
        ranked = sorted(((c, w / total) for c, w in weights.items()), key=lambda p: -p[1])
        return Prediction(tuple(ranked))


def folds(examples: Sequence[tuple[str, str]], k: int = 5) -> list[tuple[list[tuple[str, str]], list[tuple[str, str]]]]:
    """k train/held-out splits, deterministic (by position), each name held out once."""
    return [
        ([e for i, e in enumerate(examples) if i % k != fold], [e for i, e in enumerate(examples) if i % k == fold])
        for fold in range(k)
    ]
