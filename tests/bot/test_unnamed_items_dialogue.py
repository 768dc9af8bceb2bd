"""Names the catalogue does not know, through the conversation with its state in the database (SQLite, PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db import transaction
from bot.dialogue import Dialogue
from knowledge.models import Unanswered
from tests.support.dialog import say, verify_dialog


@pytest.fixture
def dialogue(factory: sessionmaker[Session], settings: Settings) -> Dialogue:
    return Dialogue(factory, settings)


def test_the_two_likeliest_bins_are_asked_and_the_choice_answers(
    dialogue: Dialogue, factory: sessionmaker[Session]
) -> None:
    question = say(dialogue, "奖杯扔哪")
    assert question.answer is not None and question.answer.intent == "clarify"
    second = question.answer.choices[1].payload["category"]
    verify_dialog(dialogue, [("3", ["请回复 1 到 2", "奖杯"]), ("2", ["奖杯", second])])
    with transaction(factory) as session:
        queued = list(session.scalars(select(Unanswered.text)))
    assert queued == ["奖杯"]  # staff see the name once; the choice "2" is not a question


def test_a_rule_answers_a_name_the_catalogue_lacks_in_a_conversation(dialogue: Dialogue) -> None:
    verify_dialog(
        dialogue,
        [
            ("酸菜鱼是有害垃圾吗", ["不是有害垃圾", "厨余垃圾"]),
            ("一次性塑料碗扔哪", ["其他垃圾"]),
            ("打碎了一块瓷砖", ["其他垃圾"]),
        ],
    )
