"""Issue #13 §2 round 13 in a conversation: a day or an hour asked after an item or while its kind is asked is when
to put it out (never "电池明天"), and a pick-up question after a bulky item gets the booking FAQ."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.dialogue import Dialogue
from tests.support.dialog import bins, play


@pytest.fixture
def dialogue(factory: sessionmaker[Session], settings: Settings) -> Dialogue:
    return Dialogue(factory, settings)


@pytest.mark.parametrize("said", [("电池扔哪", "明天呢"), ("剩饭剩菜扔哪", "那周末呢"), ("旧衣服扔哪", "晚上呢")])
def test_a_time_is_never_read_as_part_of_the_item(dialogue: Dialogue, said: tuple[str, ...]) -> None:
    reply = play(dialogue, *said)
    assert reply.answer is not None and reply.answer.intent == "faq", reply.text
    assert "明天" not in "".join(i.name for i in reply.answer.items)


def test_the_kind_question_stays_open_after_a_time_question(dialogue: Dialogue) -> None:
    reply = play(dialogue, "电池扔哪", "明天呢", "2")
    assert reply.answer is not None and reply.answer.intent == "sorting", reply.text


def test_the_item_is_still_the_context_after_a_time_question(dialogue: Dialogue) -> None:
    assert bins(play(dialogue, "纸箱子扔哪", "明天呢", "被雨淋了呢")) == ["其他垃圾"]


def test_a_pick_up_question_after_a_bulky_item_gets_the_booking_faq(dialogue: Dialogue) -> None:
    reply = play(dialogue, "旧沙发怎么扔", "能上门拉走吗")
    assert reply.answer is not None and reply.answer.extra.get("faq") == "bulky_waste_booking", reply.text
    assert bins(reply) == ["大件垃圾"]


@pytest.mark.parametrize(
    ("said", "faq"), [(("乱扔垃圾罚多少", "那单位呢"), "fines"), (("几点能扔垃圾", "那周末呢"), "scheduled_drop")]
)
def test_who_or_when_after_an_faq_asks_the_same_faq(dialogue: Dialogue, said: tuple[str, ...], faq: str) -> None:
    reply = play(dialogue, *said)
    assert reply.answer is not None and reply.answer.extra.get("faq") == faq, reply.text


def test_an_item_after_an_faq_is_a_new_question(dialogue: Dialogue) -> None:
    reply = play(dialogue, "乱扔垃圾罚多少", "那电池呢")
    assert reply.answer is not None and reply.answer.intent == "clarify", reply.text  # 哪种电池？, not the fines


def test_a_new_topic_after_an_faq_is_not_the_same_faq(dialogue: Dialogue) -> None:
    reply = play(dialogue, "无废城市是什么", "那无废细胞呢")
    assert reply.answer is not None and reply.answer.extra.get("faq") != "wufei_city_what", reply.text
