"""人工客服 in the dialogue: the request words open one conversation, two unknowns in a row open one (said once per streak),
and while one the resident asked for is open every answer says a person will reply (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import handover
from bot.config import Settings
from bot.db import transaction
from bot.dialogue import Dialogue
from bot.handover_models import HandoverConversation
from bot.models import ChatLog
from tests.support.dialog import T0, say

UNKNOWN = "量子纠缠器扔哪个桶"


@pytest.fixture
def dialogue(factory: sessionmaker[Session], settings: Settings) -> Dialogue:
    hours = settings.chat.model_copy(update={"office_hours": "工作日 9:00-17:00"})
    return Dialogue(factory, settings.model_copy(update={"chat": hours}))


def conversations(factory: sessionmaker[Session]) -> list[HandoverConversation]:
    with transaction(factory) as session:
        rows = list(session.scalars(select(HandoverConversation).order_by(HandoverConversation.id)))
        session.expunge_all()
    return rows


@pytest.mark.parametrize(
    "text", ["人工", "转人工", "找工作人员", "人工客服", "我要人工客服！", "请帮我转人工服务", "联系客服"]
)
def test_request_words_are_recognised(text: str) -> None:
    assert handover.is_request(text)


@pytest.mark.parametrize("text", ["人工草坪怎么扔", "人工草坪", "客服电话是多少", "工作人员说放哪", ""])
def test_questions_that_only_contain_the_words_are_not_requests(text: str) -> None:
    assert not handover.is_request(text)


def test_asking_for_a_person_opens_one_conversation_and_names_the_office_hours(
    dialogue: Dialogue, factory: sessionmaker[Session]
) -> None:
    say(dialogue, "充电宝扔哪个桶")
    first = say(dialogue, "转人工", at=T0 + dt.timedelta(minutes=1))
    assert "工作人员" in first.text and "工作日 9:00-17:00" in first.text
    again = say(dialogue, "人工客服", at=T0 + dt.timedelta(minutes=2))
    assert again.text.startswith("已经为您转接人工客服")
    [row] = conversations(factory)
    assert (row.status, row.reason, row.channel, row.external_id) == ("open", "asked", "web", "u1")
    assert row.question == "充电宝扔哪个桶"  # the question the resident wanted a person for: the FAQ draft's title
    assert row.last_message_at == T0 + dt.timedelta(minutes=2)


def test_while_open_the_bot_still_answers_and_says_a_person_will_reply(
    dialogue: Dialogue, factory: sessionmaker[Session]
) -> None:
    say(dialogue, "人工")
    reply = say(dialogue, "用过的纸巾扔哪", at=T0 + dt.timedelta(minutes=5))
    assert "其他垃圾" in reply.text and reply.text.endswith(handover.WAITING_LINE)
    with transaction(factory) as session:
        logged = session.scalars(select(ChatLog).order_by(ChatLog.id)).all()
        assert [r.text for r in logged] == ["人工", "用过的纸巾扔哪"]
        assert logged[1].reply is not None and "其他垃圾" in logged[1].reply  # what the bot answered, for the inbox
    other = say(dialogue, "用过的纸巾扔哪", user="someone-else")
    assert handover.WAITING_LINE not in other.text


def test_two_unanswered_questions_in_a_row_open_a_conversation(
    dialogue: Dialogue, factory: sessionmaker[Session]
) -> None:
    first = say(dialogue, UNKNOWN)
    assert "不确定" in first.text and not conversations(factory)
    second = say(dialogue, "火星土壤扔哪个桶", at=T0 + dt.timedelta(minutes=1))
    assert "工作人员" in second.text
    [row] = conversations(factory)
    assert (row.reason, row.question) == ("unanswered", "火星土壤扔哪个桶")
    say(dialogue, UNKNOWN, at=T0 + dt.timedelta(minutes=2))
    assert len(conversations(factory)) == 1  # the third does not open another


def test_an_answer_in_between_or_a_long_pause_breaks_the_row(
    dialogue: Dialogue, factory: sessionmaker[Session]
) -> None:
    say(dialogue, UNKNOWN)
    say(dialogue, "用过的纸巾扔哪", at=T0 + dt.timedelta(minutes=1))
    say(dialogue, UNKNOWN, at=T0 + dt.timedelta(minutes=2))
    say(dialogue, UNKNOWN, at=T0 + dt.timedelta(hours=3))
    assert conversations(factory) == []


def test_a_closed_conversation_lets_a_new_one_open(dialogue: Dialogue, factory: sessionmaker[Session]) -> None:
    say(dialogue, "人工")
    with transaction(factory) as session:
        row = handover.open_for(session, session.scalar(select(HandoverConversation.resident_id)) or 0)
        assert row is not None and handover.close(session, row, staff="staff-user", now=T0)
        assert not handover.close(session, row, staff="staff-user", now=T0)
    assert handover.WAITING_LINE not in say(dialogue, "用过的纸巾扔哪", at=T0 + dt.timedelta(minutes=1)).text
    say(dialogue, "人工", at=T0 + dt.timedelta(minutes=2))
    with transaction(factory) as session:
        statuses = session.execute(
            select(HandoverConversation.status, func.count()).group_by(HandoverConversation.status)
        ).all()
    assert dict(statuses) == {"open": 1, "closed": 1}


def test_the_database_refuses_a_second_open_conversation(factory: sessionmaker[Session], dialogue: Dialogue) -> None:
    say(dialogue, "人工")
    with transaction(factory) as session:
        resident_id = session.scalar(select(HandoverConversation.resident_id))
        assert resident_id is not None
        _, created = handover.open_conversation(
            session, resident_id=resident_id, channel="web", external_id="u1", reason="asked", question="", now=T0
        )
        assert not created
        session.add(
            HandoverConversation(
                resident_id=resident_id, channel="web", external_id="u1", reason="asked", question="",
                opened_at=T0, last_message_at=T0, status="open",
            )
        )  # fmt: skip
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


def test_before_merge_leaves_one_open_conversation_and_deletes_nothing(
    dialogue: Dialogue, factory: sessionmaker[Session]
) -> None:
    say(dialogue, "人工", user="a")
    say(dialogue, "转人工", user="b", at=T0 + dt.timedelta(minutes=3))
    with transaction(factory) as session:
        keep, drop = session.scalars(select(HandoverConversation).order_by(HandoverConversation.id)).all()
        handover.before_merge(session, keep_id=keep.resident_id, drop_id=drop.resident_id, now=T0)
        handover.before_merge(session, keep_id=keep.resident_id, drop_id=drop.resident_id, now=T0)  # no-op now
        session.execute(
            update(HandoverConversation)
            .where(HandoverConversation.resident_id == drop.resident_id)
            .values(resident_id=keep.resident_id)
        )  # what the merge does with every table pointing at a resident
        rows = session.scalars(select(HandoverConversation).order_by(HandoverConversation.id)).all()
        assert [(r.resident_id, r.status) for r in rows] == [(keep.resident_id, "open"), (keep.resident_id, "closed")]
        assert rows[0].last_message_at == T0 + dt.timedelta(minutes=3) and rows[1].closed_by == handover.MERGED


def test_help_says_how_to_reach_a_person(dialogue: Dialogue) -> None:
    assert "发送“人工”" in say(dialogue, "帮助").text


def test_the_line_about_staff_comes_once_per_streak_of_unknowns_not_under_every_later_reply(
    dialogue: Dialogue, factory: sessionmaker[Session]
) -> None:
    say(dialogue, UNKNOWN)
    second = say(dialogue, "火星土壤扔哪个桶", at=T0 + dt.timedelta(minutes=1))
    assert "连续两次没能回答" in second.text
    later = [
        say(dialogue, text, at=T0 + dt.timedelta(minutes=i))
        for i, text in enumerate([UNKNOWN, "好的", "谢谢", "用过的纸巾扔哪", UNKNOWN], start=2)
    ]
    # a third unknown of the same streak, an acknowledgement, thanks, an answer, then a new first unknown
    for reply in later:
        assert "连续两次没能回答" not in reply.text and handover.WAITING_LINE not in reply.text, reply.text
    assert "其他垃圾" in later[3].text
    again = say(dialogue, "火星土壤扔哪个桶", at=T0 + dt.timedelta(minutes=7))  # the new streak reaches two
    assert "连续两次没能回答" in again.text
    assert len(conversations(factory)) == 1  # still the one conversation


def test_while_a_requested_conversation_is_open_an_acknowledgement_gets_no_waiting_line(dialogue: Dialogue) -> None:
    say(dialogue, "人工")
    assert say(dialogue, "用过的纸巾扔哪", at=T0 + dt.timedelta(minutes=1)).text.endswith(handover.WAITING_LINE)
    assert handover.WAITING_LINE not in say(dialogue, "好的谢谢", at=T0 + dt.timedelta(minutes=2)).text
