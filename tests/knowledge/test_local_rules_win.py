"""The 郑州 local rule wins over every imported phrase that contains its name and one of its deciding words."""

from __future__ import annotations

import pytest

from knowledge.catalogue import Entry, bundled_text, read_imported, read_local_rules
from knowledge.core import KnowledgeBase
from knowledge.normalize import normalize

IMPORTED = read_imported(bundled_text("sorting-items.tsv"))
LOCAL = read_local_rules(bundled_text("local_rules.yaml"))
LOCAL_SURFACES = {normalize(s) for e in LOCAL for s in e.surfaces}


def _expected(rule: Entry, phrase: str) -> str | None:
    """The bin the local rule gives a phrase by the words it contains, or None when none of them is said."""
    stated = [c for c in rule.conditions if any(w in phrase for w in c.words)]
    if stated:
        return ([c for c in stated if not c.default] or stated)[0].category
    named = {o.category for o in rule.kinds if any(w in phrase for w in o.words)}
    return named.pop() if len(named) == 1 else None  # words of two kinds ("鸡腿骨头": 鸡, 腿骨) do not decide


def _pairs() -> list[tuple[str, str, str]]:
    """(imported phrase, local rule, bin the rule gives it) for every phrase with a rule's name and deciding word."""
    pairs: dict[str, tuple[str, str, str]] = {}
    rules = sorted(
        ((normalize(s), rule) for rule in LOCAL if rule.conditions or rule.kinds for s in rule.surfaces),
        key=lambda p: -len(p[0]),
    )
    for entry in IMPORTED:
        for raw in entry.surfaces:
            phrase = normalize(raw)
            if phrase in LOCAL_SURFACES or phrase in pairs:
                continue
            for surface, rule in rules:  # the longest rule name inside the phrase speaks for it
                if surface in phrase and surface != phrase:
                    expected = _expected(rule, phrase)
                    if expected is not None:
                        pairs[phrase] = (phrase, rule.name, expected)
                    break
    return sorted(pairs.values())


PAIRS = _pairs()


def test_the_walk_covers_the_known_conflicts() -> None:
    phrases = {p for p, _, _ in PAIRS}
    assert {"干净的塑料袋", "5号干电池", "遥控器电池"} <= phrases  # Shanghai labels these differently
    assert len(PAIRS) >= 20


@pytest.mark.parametrize(("phrase", "rule", "expected"), PAIRS, ids=[p for p, _, _ in PAIRS])
def test_an_imported_phrase_gets_the_local_rules_bin(kb: KnowledgeBase, phrase: str, rule: str, expected: str) -> None:
    answer = kb.answer(phrase)
    assert answer.intent == "sorting" and answer.items, (phrase, rule, answer.text)
    assert answer.items[0].category == expected, f"{phrase}: local rule {rule} says {expected}, got {answer.text}"
