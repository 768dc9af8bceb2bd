"""Frame sweep (issue #13 §2, §4): items the bot answers right bare, asked inside resident message frames.

Each item of a sample (one settled bin, no conditions or kinds) is asked bare; those answered with their own bin are
then asked inside every frame of eval/dev/frames.tsv. A framed answer with another bin is "wrong", one with no bin
(a clarification, 不确定, a fallback) is a "miss". Usage: python eval/frame_sweep.py [--items N] [--show N] [--seed S] [FRAMES.tsv ...]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).parent))

from run_eval import load_kb

from knowledge.answer import Answer
from knowledge.core import KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]
FRAMES = sorted((Path(__file__).parent / "dev").glob("frames*.tsv"))
RULES = ROOT / "knowledge" / "data" / "local_rules.yaml"
CATALOGUE = ROOT / "knowledge" / "data" / "sorting-items.tsv"


def bin_of(answer: Answer) -> str | None:
    """The bin of a one-item sorting answer, or None."""
    if answer.intent == "sorting" and answer.items:
        return answer.items[0].category
    return None


def candidates() -> list[tuple[str, str]]:
    """(name, bin) pairs with one settled bin: local rules without conditions/kinds, then the catalogue."""
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for entry in yaml.safe_load(RULES.read_text(encoding="utf-8")):
        if entry.get("conditions") or entry.get("kinds") or entry.get("parts"):
            continue
        for name in map(str, [entry["name"], *entry.get("aliases", [])]):
            if name not in seen and 2 <= len(name) <= 6 and not name.isascii():
                seen.add(name)
                pairs.append((name, entry["category"]))
    with CATALOGUE.open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            name = row["item"]
            if name not in seen and 2 <= len(name) <= 6 and not name.isascii():
                seen.add(name)
                pairs.append((name, row["category"]))
    return pairs


def sample_items(kb: KnowledgeBase, n: int, seed: int) -> list[tuple[str, str]]:
    """About `n` items spread across bins, each answered bare with its own bin."""
    rng = random.Random(seed)
    by_bin: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name, cat in candidates():
        by_bin[cat].append((name, cat))
    picked: list[tuple[str, str]] = []
    per_bin = max(1, n // len(by_bin))
    for cat in sorted(by_bin):
        pool = by_bin[cat][:]
        rng.shuffle(pool)
        got = 0
        for name, _ in pool:
            if got >= per_bin:
                break
            if bin_of(kb.answer(name, area="urban")) == cat and bin_of(kb.answer(name + "扔哪", area="urban")) == cat:
                picked.append((name, cat))
                got += 1
    return picked


def load_frames(paths: list[Path]) -> list[tuple[str, str]]:
    """(frame, note) rows of the frame files."""
    rows: list[tuple[str, str]] = []
    for path in paths:
        with path.open(encoding="utf-8") as f:
            rows += [(r["frame"], r["note"]) for r in csv.DictReader(f, delimiter="\t")]
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the sweep and print per-frame and per-item failures and a total."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=150)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--show", type=int, default=3, help="examples printed per failing frame")
    parser.add_argument("--frame", action="append", help="only frames containing this text")
    parser.add_argument("files", nargs="*", type=Path, default=FRAMES, help="frame files (eval/dev/frames*.tsv)")
    args = parser.parse_args(argv)
    kb = load_kb()
    items = sample_items(kb, args.items, args.seed)
    frames = load_frames(args.files)
    if args.frame:
        frames = [fr for fr in frames if any(s in fr[0] for s in args.frame)]
    totals: Counter[str] = Counter()
    per_item: Counter[str] = Counter()
    for frame, note in frames:
        fails: list[str] = []
        counts: Counter[str] = Counter()
        for name, cat in items:
            text = frame.replace("{X}", name)
            got = bin_of(kb.answer(text, area="urban"))
            verdict = "same" if got == cat else ("miss" if got is None else "wrong")
            counts[verdict] += 1
            if verdict != "same":
                per_item[name] += 1
                fails.append(f"{verdict}: {text} -> {got or '-'} (bare {cat})")
        totals.update(counts)
        if fails:
            print(f"[{counts['miss']} miss, {counts['wrong']} wrong] {frame}   ({note})")
            for line in fails[: args.show]:
                print("    " + line)
    print("\nitems failing most:", ", ".join(f"{n} {c}" for n, c in per_item.most_common(15)))
    asked = sum(totals.values())
    print(
        f"\nframe sweep: {len(items)} items x {len(frames)} frames = {asked} asked; "
        f"same {totals['same']} ({totals['same'] / asked:.1%}), miss {totals['miss']} ({totals['miss'] / asked:.1%}), "
        f"wrong {totals['wrong']} ({totals['wrong'] / asked:.1%})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
