"""Policy evaluation: asks every plan question of eval/policy_questions.tsv and prints correct / wrong / abstain.

The bundled plans and the fixture plans in tests/knowledge/fixtures (layouts the parser was not written for) are
ingested into a throw-away SQLite database, and each question goes through the whole answer core as a resident's
message. Scoring: correct = the reply holds one of the `must_contain` alternatives (joined by `|`); for `NO_PLAN`
rows the reply must say that place has no plan loaded and show no figure; abstain = the bot says it found nothing
(or asks back); wrong = anything else, including a figure of another city presented as the asked one's.
Plans written for a question set sit next to it as *.txt (eval/dev/policy/) and are ingested too.
Usage: python eval/run_policy_eval.py [--show] [FILE.tsv]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.db import session_factory, transaction  # noqa: E402
from bot.runtime import ensure_ready  # noqa: E402
from knowledge import plans  # noqa: E402
from knowledge.answer import Answer  # noqa: E402
from knowledge.core import KnowledgeBase  # noqa: E402
from knowledge.places import bare_name, other_places_in, places_in  # noqa: E402
from knowledge.service import build_knowledge  # noqa: E402

HERE = Path(__file__).parent
DEFAULT = HERE / "policy_questions.tsv"
FIXTURES = ROOT / "tests" / "knowledge" / "fixtures"
EXTRA_PLANS = ("qinghe-articles.txt", "wutong-table.txt")
NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
ABSTAIN_MARKS = ("没有找到", "不做猜测", "暂时回答不了")
NO_PLAN_MARKS = ("没有导入", "还没有", "未导入")
FIGURE = re.compile(r"\d+(?:\.\d+)?(?:%|个|家|吨|座)")


def load_kb(extra: list[Path] | None = None) -> KnowledgeBase:
    """The knowledge as `wufei` builds it, plus the fixture plans and `extra`, on a throw-away SQLite database."""
    folder = Path(tempfile.mkdtemp(prefix="wufei-policy-eval-"))
    settings = Settings(database_url=f"sqlite:///{folder / 'eval.db'}", data_dir=folder)
    factory = ensure_ready(settings)
    with transaction(factory) as session:
        for name in EXTRA_PLANS:
            plans.ingest(session, text=(FIXTURES / name).read_text(encoding="utf-8"), source_name=name, now=NOW)
        for path in extra or []:
            plans.ingest(session, text=path.read_text(encoding="utf-8"), source_name=path.name, now=NOW)
    with transaction(session_factory(settings.db_url)) as session:
        return build_knowledge(session)


def short(city: str) -> str:
    """ "中牟县" -> "中牟"."""
    return city[:-1] if len(city) > 2 and city[-1] in "市县区" else city


def asked_place(question: str, city: str = "") -> str | None:
    """The place a NO_PLAN question names (not the asker's own), as written; any Henan or other place counts."""
    for place in places_in(question) + other_places_in(question):
        if bare_name(place) != short(city):
            return bare_name(place)
    m = re.search(r"(中牟|登封|巩义|荥阳|郑州|金水|上街|二七|惠济|管城|中原|开封|洛阳|新乡)", question)
    return m.group(1) if m else None


def score(answer: Answer, must: str, question: str, city: str) -> str:
    """correct, wrong or abstain for one reply."""
    text = answer.text
    if must == "NO_PLAN":
        place = asked_place(question, city) or short(city)
        says = place in text and any(m in text for m in NO_PLAN_MARKS)
        if says:
            return "correct"
        if answer.intent == "policy" and FIGURE.search(text):
            return "wrong"  # another place's figure, as if it were this one's
        return "abstain" if answer.intent != "sorting" else "wrong"
    if any(alt in text for alt in must.split("|")):
        return "correct"
    if answer.intent in ("unknown", "clarify") or any(m in text for m in ABSTAIN_MARKS):
        return "abstain"
    return "wrong"


def main(argv: list[str] | None = None) -> int:
    """Run the policy evaluation and print the figures; exit 1 below 95 % correct."""
    parser = argparse.ArgumentParser()
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--show", action="store_true", help="print every reply that is not correct")
    args = parser.parse_args(argv)
    kb = load_kb(sorted(args.file.parent.glob("*.txt")))
    with args.file.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    counts: Counter[str] = Counter()
    by_note: Counter[tuple[str, str]] = Counter()
    for row in rows:
        city = row.get("city") or ""
        answer = kb.answer(row["question"], city=city or None)
        verdict = score(answer, row["must_contain"], row["question"], city)
        counts[verdict] += 1
        group = "no plan" if row["must_contain"] == "NO_PLAN" else "plan"
        by_note[(group, verdict)] += 1
        if args.show and verdict != "correct":
            first = answer.text.replace("\n", " / ")[:160]
            print(f"  {verdict}: {row['question']!r} [{city}] want {row['must_contain']} got {answer.intent}: {first}")
    total = sum(counts.values()) or 1
    for group in ("plan", "no plan"):
        n = sum(v for (g, _), v in by_note.items() if g == group)
        if not n:
            print(f"{group:8s} n=   0  (no such rows in this file)")
            continue
        print(
            f"{group:8s} n={n:4d}  correct {by_note[(group, 'correct')] / n:6.1%}  "
            f"wrong {by_note[(group, 'wrong')] / n:5.1%}  abstain {by_note[(group, 'abstain')] / n:5.1%}"
        )
    print(
        f"{args.file.name:28s} n={total:4d}  correct {counts['correct'] / total:6.1%}  "
        f"wrong {counts['wrong'] / total:5.1%}  abstain {counts['abstain'] / total:5.1%}"
    )
    ok = counts["correct"] / total >= 0.95
    print("target (>=95% correct):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
