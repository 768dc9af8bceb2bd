"""Helpers for item-answer tests."""

from __future__ import annotations

from knowledge.core import KnowledgeBase


def answered(kb: KnowledgeBase, text: str) -> tuple[str, str]:
    """(bin, source) of a one-item answer."""
    answer = kb.answer(text)
    assert answer.intent == "sorting" and len(answer.items) == 1, (text, answer.intent, answer.text)
    return answer.items[0].category, answer.source
