"""Dialog tests as (said, expected) tables, in the manner of zulip_bots' verify_dialog."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import transaction
from bot.dialogue import Dialogue, IncomingMessage, Reply
from knowledge.models import Unanswered

T0 = dt.datetime(2026, 6, 5, 9, 0, tzinfo=dt.UTC)


def say(dialogue: Dialogue, text: str, *, user: str = "u1", channel: str = "web", at: dt.datetime = T0) -> Reply:
    """Send one message and return the single reply."""
    replies = dialogue.handle(IncomingMessage(channel, user, text, at))
    assert len(replies) == 1
    return replies[0]


def play(dialogue: Dialogue, *said: str) -> Reply:
    """Send the messages a minute apart; the last reply."""
    reply = None
    for i, text in enumerate(said):
        reply = say(dialogue, text, at=T0 + dt.timedelta(minutes=i))
    assert reply is not None
    return reply


def bins(reply: Reply) -> list[str]:
    """The bins of the reply's items, in order."""
    assert reply.answer is not None, reply.text
    return [i.category for i in reply.answer.items]


def queued(factory: sessionmaker[Session]) -> list[str]:
    """The questions in the unanswered queue."""
    with transaction(factory) as session:
        return list(session.scalars(select(Unanswered.text)))


def verify_dialog(dialogue: Dialogue, turns: Sequence[tuple[str, Sequence[str]]], *, user: str = "u1") -> None:
    """Each message gets a reply containing every expected fragment."""
    for said, expected in turns:
        reply = say(dialogue, said, user=user)
        for fragment in expected:
            assert fragment in reply.text, f"{said!r} -> {reply.text!r} lacks {fragment!r}"
