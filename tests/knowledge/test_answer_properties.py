"""Property-based checks: whatever a resident types, the core answers without an exception and in shape."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.answer import CATEGORIES, INTENTS
from knowledge.core import KnowledgeBase
from knowledge.normalize import normalize

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
WORDS = st.sampled_from(
    ["纸巾", "电池", "扔哪", "是什么垃圾", "和", "、", "用过的", "吗", "？", "😀", " ", "ｆｕｌｌ", "過期"]
)
TEXT = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=CJK, max_size=40),
    st.lists(WORDS, max_size=12).map("".join),
    st.text(min_size=400, max_size=3000),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT)
def test_any_text_gets_a_well_formed_answer(kb: KnowledgeBase, text: str) -> None:
    answer = kb.answer(text)
    assert answer.intent in INTENTS
    assert answer.text and "Traceback" not in answer.text
    assert 0.0 <= answer.confidence <= 1.0
    assert all(item.category in CATEGORIES for item in answer.items)
    data = answer.to_json()
    assert data["intent"] == answer.intent


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_normalize_is_idempotent_and_bounded(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert len(once) <= 500
