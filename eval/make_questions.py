"""Writes eval/generated_questions.tsv: catalogue items in varied resident phrasings, with the expected answer.

Deterministic (fixed seed) so the set is reviewable and stable; re-run after the catalogue changes.
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from knowledge.catalogue import LOCAL_SOURCE, Entry, bundled_catalogue
from knowledge.lexicon import CATEGORY_WORDS
from knowledge.normalize import normalize

TEMPLATES = [
    "{x}",
    "{x}是什么垃圾",
    "{x}扔哪个桶",
    "{x}属于哪一类",
    "{x}怎么处理",
    "{x}怎么扔",
    "请问一下{x}属于什么垃圾？",
    "{x}放哪",
    "{x}应该扔到哪里呢",
    "用过的{x}扔哪",
    "旧的{x}是什么垃圾",
    "{x}？",
    "我想问下{x}该怎么分类",
    "{x}是干垃圾还是湿垃圾",
    "家里的{x}扔哪个垃圾桶啊",
    "{x} 是 什么 垃圾",
]
OUT = Path(__file__).with_name("generated_questions.tsv")
PER_SOURCE = {"local": 400, "import": 1600}


def expected(entry: Entry, surface: str) -> str:
    """What a correct answer is for this surface form."""
    if entry.kinds:
        option = next((o for o in entry.kinds if any(w in surface for w in o.words)), None)
        return option.category if option else "clarify"
    return entry.category


def main() -> None:
    """Sample items and phrasings, write the TSV."""
    rng = random.Random(20261122)
    entries, _ = bundled_catalogue()
    # the entry that really answers a spelling: local rules first, like the matcher; spellings the data
    # disagrees on, and category names, are left out (they are not item questions)
    owner: dict[str, Entry] = {}
    clash: set[str] = set()
    for entry in sorted(entries, key=lambda e: e.source != LOCAL_SOURCE):
        for surface in entry.surfaces:
            key = normalize(surface)
            if key in owner and owner[key].source == entry.source and owner[key].category != entry.category:
                clash.add(key)
            owner.setdefault(key, entry)
    rows: list[tuple[str, str, str, str]] = []
    for source, count in PER_SOURCE.items():
        pool = [e for e in entries if e.source == source and not e.parts and not e.name.isascii()]
        for entry in rng.sample(pool, min(count, len(pool))):
            surface = rng.choice(entry.surfaces)
            key = normalize(surface)
            if key in clash or key in CATEGORY_WORDS or len(key) < 2:
                continue
            entry = owner[key]
            template = rng.choice(TEMPLATES)
            if template.startswith(("用过的", "旧的")) and (
                any(m in surface for m in ("用过", "旧", "废"))
                or any(normalize(m + surface) in owner for m in ("用过的", "旧的", "旧"))
            ):
                template = "{x}"  # "用过的塑料杯子" is an item of its own in the list
            rows.append((template.format(x=surface), expected(entry, surface), "urban", f"{source}:{entry.name}"))
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["question", "expected", "area", "note"])
        writer.writerows(rows)
    print(f"wrote {len(rows)} questions to {OUT}")


if __name__ == "__main__":
    main()
