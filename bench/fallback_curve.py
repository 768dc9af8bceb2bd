"""Held-out precision of the n-gram fallback (knowledge/fallback.py), to choose its temperature and answer threshold.

The catalogue's names are split into 5 folds; each fold is held out in turn and predicted by a model trained on the
other four. Prints the fitted temperature (lowest held-out log loss), then precision and coverage at each threshold
of the calibrated probability, and the threshold at which held-out precision stays >= the target.
Usage: python bench/fallback_curve.py [--target 0.95]   (make fallback-curve)
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from knowledge.catalogue import bundled_catalogue
from knowledge.fallback import ANSWER_AT, TEMPERATURE, NgramModel, folds
from knowledge.normalize import normalize

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.97, 0.98, 0.99)


def examples() -> list[tuple[str, str]]:
    """(name, bin) for every surface of the catalogue, one row per distinct name."""
    entries, _ = bundled_catalogue()
    seen: dict[str, str] = {}
    for entry in entries:
        for surface in entry.surfaces:
            name = normalize(surface)
            if name and not name.isascii():
                seen.setdefault(name, entry.category)
    return sorted(seen.items())


def held_out(data: list[tuple[str, str]]) -> list[tuple[dict[str, float], str]]:
    """Raw scores and the true bin of every name, each predicted by a model that did not see it."""
    rows: list[tuple[dict[str, float], str]] = []
    for train, test in folds(data):
        model = NgramModel(train)
        rows.extend((model.scores(name), category) for name, category in test)
    return rows


def calibrated(scores: dict[str, float], t: float) -> list[tuple[str, float]]:
    """Softmax of the scores at temperature t, ranked."""
    top = max(scores.values())
    weights = {c: math.exp((s - top) / t) for c, s in scores.items()}
    total = sum(weights.values())
    return sorted(((c, w / total) for c, w in weights.items()), key=lambda p: -p[1])


def log_loss(rows: list[tuple[dict[str, float], str]], t: float) -> float:
    """Mean negative log probability of the true bin."""
    return -sum(math.log(max(dict(calibrated(s, t)).get(y, 1e-12), 1e-12)) for s, y in rows) / len(rows)


def main() -> None:
    """Fit, print the curve and the chosen threshold."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", type=float, default=0.95)
    args = parser.parse_args()
    data = examples()
    start = time.perf_counter()
    NgramModel(data)
    train_s = time.perf_counter() - start
    rows = held_out(data)
    grid = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0]
    losses = {t: log_loss(rows, t) for t in grid}
    best_t = min(losses, key=lambda t: losses[t])
    print(f"catalogue names: {len(data)}  (5 folds; training on all takes {train_s * 1000:.0f} ms)")
    print("temperature  held-out log loss")
    for t in grid:
        print(
            f"  {t:5.1f}      {losses[t]:.3f}{'  <- best' if t == best_t else ''}{'  (in use)' if t == TEMPERATURE else ''}"
        )
    ranked = [(calibrated(s, TEMPERATURE), y) for s, y in rows]
    accuracy = sum(r[0][0] == y for r, y in ranked) / len(ranked)
    print(f"\nheld-out top-1 accuracy {accuracy:.1%}; at temperature {TEMPERATURE}:")
    print("threshold  coverage  precision  wrong-of-all  (answer when calibrated p >= threshold)")
    chosen = None
    for threshold in THRESHOLDS:
        answered = [(r, y) for r, y in ranked if r[0][1] >= threshold]
        right = sum(r[0][0] == y for r, y in answered)
        precision = right / len(answered) if answered else 1.0
        wrong = (len(answered) - right) / len(ranked)
        mark = "  (in use)" if threshold == ANSWER_AT else ""
        print(f"  {threshold:4.2f}     {len(answered) / len(ranked):6.1%}    {precision:6.1%}     {wrong:6.1%}{mark}")
        if chosen is None and precision >= args.target:
            chosen = threshold
    two = [(r, y) for r, y in ranked if r[0][1] < ANSWER_AT]
    in_two = sum(y in (r[0][0], r[1][0]) for r, y in two)
    print(f"\nbelow {ANSWER_AT}: the true bin is among the two likeliest for {in_two / max(len(two), 1):.1%} of names")
    print(f"lowest threshold with held-out precision >= {args.target:.0%}: {chosen}")


if __name__ == "__main__":
    main()
