"""Issue #13 §2: a name the bot does not know, asked as a follow-up ("那水泥袋呢", "那个装猫砂的袋子呢"), gets the honest
"不确定" reply (logged for staff), never the generic out-of-scope reply."""

from __future__ import annotations

import pytest

from knowledge import texts
from knowledge.core import KnowledgeBase


@pytest.mark.parametrize("text", ["那水泥袋呢", "水泥袋呢", "那装水泥的袋子呢", "装水泥的袋子呢", "还有那个水泥袋呢"])
def test_an_unknown_name_after_a_follow_up_opener_is_an_item_question(kb: KnowledgeBase, text: str) -> None:
    answer = kb.answer(text, area="urban")
    assert answer.intent == "unknown"
    assert answer.text != texts.OUT_OF_SCOPE
    assert "水泥" in answer.text and "不确定" in answer.text
    assert answer.extra["unknown"]


@pytest.mark.parametrize("text", ["今天天气怎么样", "那你呢", "你是谁"])
def test_small_talk_still_gets_the_out_of_scope_reply(kb: KnowledgeBase, text: str) -> None:
    answer = kb.answer(text, area="urban")
    assert answer.text == texts.OUT_OF_SCOPE or answer.intent == "smalltalk"
