"""The plan index scores only the passages, targets and tasks that share a keyword with the question (issue #18):
its answers must be those of a scan over every row, and its vocabulary lookup that of a scan over every plan word."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_factory, transaction
from bot.migrate import upgrade
from knowledge import plans, policy
from knowledge.answer import Answer
from knowledge.policy import PolicyIndex, tokens

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).with_name("fixtures")
NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def many_plans(tmp_path_factory: pytest.TempPathFactory) -> sessionmaker[Session]:
    """A database holding the bundled plans, every fixture plan and the eval plans (layouts of many kinds)."""
    url = "sqlite:///" + str(tmp_path_factory.mktemp("many") / "t.db")
    upgrade(url)
    factory = session_factory(url)
    with transaction(factory) as session:
        plans.ingest_bundled(session, now=NOW)
        for path in sorted(FIXTURES.glob("*.txt")) + sorted((ROOT / "eval" / "dev" / "policy").glob("*.txt")):
            try:
                plans.ingest(session, text=path.read_text(encoding="utf-8"), source_name=path.name, now=NOW)
            except plans.PlanFormatError:
                continue  # a fixture written to be refused
    return factory


def _questions() -> list[tuple[str, str | None]]:
    rows: list[tuple[str, str | None]] = []
    for path in [ROOT / "eval" / "policy_questions.tsv", *sorted((ROOT / "eval" / "dev" / "policy").glob("*.tsv"))]:
        with path.open(encoding="utf-8") as fh:
            rows += [(r["question"], r.get("city") or None) for r in csv.DictReader(fh, delimiter="\t")]
    return rows


def _plain(answer: Answer | None) -> tuple[str, str, float, dict[str, Any]] | None:
    return None if answer is None else (answer.intent, answer.text, answer.confidence, answer.extra)


def test_scoring_only_posted_rows_answers_as_a_full_scan(
    many_plans: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with many_plans() as session:
        index = PolicyIndex.load(session)
    questions = _questions()
    assert len(questions) > 500
    indexed = [_plain(index.answer(q, city=c)) for q, c in questions]
    monkeypatch.setattr(policy, "_posted", lambda rows, _postings, _words: list(rows))
    scanned = [_plain(index.answer(q, city=c)) for q, c in questions]
    assert indexed == scanned
    # the comparison means something: plenty of quotes, figures and units among the answers
    kinds = [next((k for k in ("quote", "targets", "units") if k in a[3]), None) for a in indexed if a]
    assert min(kinds.count("quote"), kinds.count("targets"), kinds.count("units")) >= 30


def test_unknown_question_word_finds_the_plan_words_holding_it(many_plans: sessionmaker[Session]) -> None:
    with many_plans() as session:
        index = PolicyIndex.load(session)
    freq = policy._jieba().FREQ
    words = {w for q, _c in _questions() for w in tokens(q)} | {"五料", "焚烧厂", "堆场", "秸秆"}

    def scanned(w: str) -> set[str]:  # the lookup as a scan of the whole vocabulary
        if w in index.idf:
            return {w}
        if len(w) >= 3:
            parts = {w[i:j] for i in range(len(w)) for j in range(i + 2, len(w) + 1)} & index.idf.keys()
            known = {x for x in parts if not any(x != y and x in y for y in parts)}
            if known:
                return known
        inside = [x for x in index.idf if w in x and len(x) <= len(w) + 4]
        if 0 < len(inside) <= 3:
            return set(inside)
        return {w} if freq.get(w) else set()

    expected = {w: scanned(w) for w in words}
    assert {w: index._known_words({w}, freq) for w in words} == expected
    # a word the plans write inside a longer one (五料 in 五料化; 限塑 was the example until plan_synonyms.yaml
    # rewrote 禁塑/限塑/减塑 as 塑料 in plans and questions alike)
    assert expected["五料"] != {"五料"} and expected["五料"]
