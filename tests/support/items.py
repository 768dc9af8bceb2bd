"""Helpers for item-answer tests."""

from __future__ import annotations

from knowledge.core import KnowledgeBase


def answered(kb: KnowledgeBase, text: str) -> tuple[str, str]:
    """(bin, source) of a one-item answer."""
    answer = kb.answer(text)
    assert answer.intent == "sorting" and len(answer.items) == 1, (text, answer.intent, answer.text)
    return answer.items[0].category, answer.source


def bins(kb: KnowledgeBase, text: str) -> list[str]:
    """The bins of a sorting answer, in the order the items are named."""
    answer = kb.answer(text)
    assert answer.intent == "sorting", (text, answer.intent, answer.text)
    return [item.category for item in answer.items]
