"""Round 16 (items16) in a conversation: a hedged reply keeps its item for the follow-up, what is left in a container
is its state and the next message can change it, and the skin-care question offers only the options that fit."""

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
        (("LED灯泡坏了", "那普通灯泡呢"), ["其他垃圾"]),
        (("猫屎扔哪", "那猫砂呢"), ["其他垃圾"]),
        (("酸奶盒里还剩了点酸奶怎么办", "那洗干净了呢"), ["可回收物"]),
        (("用剩的油桶", "里面还有好多油倒不出来"), ["其他垃圾"]),
        (("眼霜扔哪", "还剩一点没用完"), ["其他垃圾"]),
        (("电池电池怎么扔", "5号的"), ["其他垃圾"]),
    ],
)
def test_the_follow_up_is_read_with_the_item(dialogue: Dialogue, said: tuple[str, ...], expected: list[str]) -> None:
    play(dialogue, said[0])
    assert bins(play(dialogue, *said[1:])) == expected


def test_a_number_beyond_the_skin_care_options_is_asked_again(dialogue: Dialogue) -> None:
    first = play(dialogue, "粉底液扔哪")
    assert first.answer is not None and len(first.answer.choices) == 2, first.text
    again = play(dialogue, "3")
    assert again.answer is not None and again.answer.intent == "clarify", again.text
