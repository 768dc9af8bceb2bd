"""Onboarding on first contact: welcome, city, township, urban/rural; answers stored on the resident."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db import transaction
from bot.dialogue import Dialogue, IncomingMessage
from campaigns.models import Resident
from tests.support.dialog import T0, say


@pytest.fixture
def dialogue(factory: sessionmaker[Session], settings: Settings) -> Dialogue:
    return Dialogue(factory, settings)


def start(dialogue: Dialogue, user: str, scene: str | None = None) -> str:
    data = {"scene": scene} if scene else {}
    replies = dialogue.handle(IncomingMessage("telegram", user, "", T0, kind="event", event="start", data=data))
    return replies[0].text


def resident(factory: sessionmaker[Session]) -> Resident:
    with transaction(factory) as session:
        found = session.scalars(select(Resident)).one()
        session.expunge(found)
        return found


def test_first_contact_asks_three_questions_and_stores_the_answers(
    dialogue: Dialogue, factory: sessionmaker[Session]
) -> None:
    text = start(dialogue, "n1")
    assert "欢迎" in text and "新郑市" in text
    assert "乡镇或街道" in say(dialogue, "1", user="n1", channel="telegram").text
    assert "城区还是农村" in say(dialogue, "和庄镇", user="n1", channel="telegram").text
    assert "二次四分" in say(dialogue, "农村", user="n1", channel="telegram").text
    saved = resident(factory)
    assert (saved.city, saved.township, saved.area) == ("新郑市", "和庄镇", "rural")
    assert "会烂" in say(dialogue, "香蕉皮", user="n1", channel="telegram").text


def test_questions_can_be_skipped(dialogue: Dialogue, factory: sessionmaker[Session]) -> None:
    start(dialogue, "n2")
    say(dialogue, "新密", user="n2", channel="telegram")
    say(dialogue, "跳过", user="n2", channel="telegram")
    assert "设置好了" in say(dialogue, "2", user="n2", channel="telegram").text
    saved = resident(factory)
    assert (saved.city, saved.township, saved.area) == ("新密市", None, "rural")


def test_a_question_instead_of_an_answer_is_answered_and_ends_onboarding(dialogue: Dialogue) -> None:
    start(dialogue, "n3")
    reply = say(dialogue, "用过的纸巾扔哪个桶", user="n3", channel="telegram")
    assert "其他垃圾" in reply.text
    assert "其他垃圾" in say(dialogue, "纸巾", user="n3", channel="telegram").text


def test_settings_can_be_changed_later(dialogue: Dialogue) -> None:
    assert "您住在哪里" in say(dialogue, "设置", user="n4").text
