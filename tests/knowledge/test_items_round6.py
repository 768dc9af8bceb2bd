"""Issue #13, round 6: plural and quantity words after a name, state clauses after it (掐灭了, 砸开了, 涂层掉了), and
everyday words the catalogue does not name, answered from rules with sources."""

from __future__ import annotations

import pytest

from knowledge.core import KnowledgeBase


def bins(kb: KnowledgeBase, text: str) -> list[str]:
    answer = kb.answer(text)
    assert answer.intent == "sorting", (text, answer.intent, answer.text)
    return [item.category for item in answer.items]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("旧手机们", "可回收物"),
        ("口罩们", "其他垃圾"),
        ("旧报纸一摞", "可回收物"),
        ("药盒子们", "可回收物"),
        ("各种瓶子", "可回收物"),
    ],
)
def test_plural_or_quantity_after_a_name_is_the_name(bundled_kb: KnowledgeBase, text: str, expected: str) -> None:
    assert bins(bundled_kb, text) == [expected]


def test_plural_of_a_name_with_kinds_still_asks_which(bundled_kb: KnowledgeBase) -> None:
    assert bundled_kb.answer("电池们").intent == "clarify"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("烟头掐灭了", "其他垃圾"),
        ("椰子壳砸开了", "其他垃圾"),
        ("不粘锅涂层掉了", "可回收物"),
        ("没电的充电宝", "有害垃圾"),
        ("没气的打火机", "其他垃圾"),
    ],
)
def test_state_said_around_a_name_keeps_its_bin(bundled_kb: KnowledgeBase, text: str, expected: str) -> None:
    assert bins(bundled_kb, text) == [expected]
