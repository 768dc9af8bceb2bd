"""Round 16 (parts17) in a conversation: "X的呢" after a hedged reply is a kind of the rule that lists the hedged
item, else the hedged item of X (never X's own bin), and a kind question answered in pinyin is understood."""

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
        (("LED灯扔哪", "那节能的呢"), ["有害垃圾"]),
        (("led灯管", "那荧光的呢"), ["有害垃圾"]),
        (("LED灯泡坏了扔哪", "那白炽的呢"), ["其他垃圾"]),
        (("电池扔哪", "wu hao de"), ["其他垃圾"]),
        (("废电池怎么扔", "niu kou de"), ["有害垃圾"]),
        (("灯泡扔哪", "jie neng de"), ["有害垃圾"]),
        (("狗的粪便扔哪个桶", "那旧的布狗窝呢"), ["可回收物"]),
    ],
)
def test_the_kind_or_new_item_after_the_question(
    dialogue: Dialogue, said: tuple[str, ...], expected: list[str]
) -> None:
    play(dialogue, said[0])
    assert bins(play(dialogue, *said[1:])) == expected


@pytest.mark.parametrize(("first", "then"), [("猫的粪便扔哪", "那狗的呢"), ("狗屎怎么扔", "猫的呢")])
def test_an_owner_after_a_hedged_reply_keeps_the_hedge(dialogue: Dialogue, first: str, then: str) -> None:
    play(dialogue, first)
    reply = play(dialogue, then)
    assert reply.answer is not None and reply.answer.intent == "clarify" and not reply.answer.items, reply.text
    assert "暂无明确规定" in reply.text
