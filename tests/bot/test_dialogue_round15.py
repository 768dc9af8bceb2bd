"""Round 15 in a conversation: a question about an unsaid state is answered by the resident's next message — the
state in words, an amount, or the option's number."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.dialogue import Dialogue
from tests.support.dialog import bins, play


@pytest.fixture
def dialogue(factory: sessionmaker[Session], settings: Settings) -> Dialogue:
    return Dialogue(factory, settings)


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (("酸奶盒扔哪", "洗过了"), ["可回收物"]),
        (("酸奶盒扔哪", "没洗，还有点酸奶"), ["其他垃圾"]),
        (("披萨盒扔哪", "有油的"), ["其他垃圾"]),
        (("泡沫箱扔哪", "装过海鲜"), ["其他垃圾"]),
        (("树枝扔哪", "一大堆"), ["园林垃圾"]),
        (("落叶扔哪", "就阳台上掉的几片"), ["厨余垃圾"]),
        (("锅扔哪", "第一个"), ["可回收物"]),
        (("锅扔哪", "2"), ["其他垃圾"]),
        (("旧毛巾扔哪", "2"), ["其他垃圾"]),
    ],
)
def test_the_next_message_answers_the_state_question(
    dialogue: Dialogue, said: tuple[str, ...], expected: list[str]
) -> None:
    first = play(dialogue, said[0])
    assert first.answer is not None and first.answer.intent == "clarify", first.text
    assert bins(play(dialogue, *said[1:])) == expected


def test_the_item_before_does_not_answer_a_state_question_about_its_container(dialogue: Dialogue) -> None:
    reply = play(dialogue, "酸奶扔哪", "那酸奶盒子呢")  # the yoghurt names no state of the carton
    assert reply.answer is not None and reply.answer.intent == "clarify", reply.text
    assert "可回收物" in reply.text and "其他垃圾" in reply.text
    assert bins(play(dialogue, "酸奶扔哪", "那酸奶盒子呢", "洗干净了")) == ["可回收物"]


def test_the_packaging_of_a_mooncake_asks_its_material_and_the_answer_resolves_it(dialogue: Dialogue) -> None:
    reply = play(dialogue, "月饼扔哪", "它的包装呢")
    assert reply.answer is not None and reply.answer.intent == "clarify", reply.text
    assert "可回收物" in reply.text and "其他垃圾" in reply.text
    assert bins(play(dialogue, "铁盒子")) == ["可回收物"]
