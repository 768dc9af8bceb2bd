"""Issue #13 §2 round 15 in a conversation: the item before an FAQ turn is still what "它" and "刚才那个" mean, how to
put it out is asked of it, and "两种都有" after "哪种电池？" answers both kinds."""

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
        (("过期药扔哪", "几点可以扔垃圾", "那它的盒子呢"), ["可回收物"]),
        (("易拉罐扔哪", "垃圾分类不分要罚款吗", "刚才那个要压扁吗"), ["可回收物"]),
        (("荧光灯管扔哪", "那节能灯呢", "刚才那个要包起来再扔吗"), ["有害垃圾"]),
        (("电池扔哪", "两种都有"), ["其他垃圾", "有害垃圾"]),
    ],
)
def test_follow_ups_of_new_shapes_are_read_with_the_item(
    dialogue: Dialogue, said: tuple[str, ...], expected: list[str]
) -> None:
    reply = play(dialogue, *said)
    assert reply.answer is not None and reply.answer.intent == "sorting", reply.text
    assert bins(reply) == expected
