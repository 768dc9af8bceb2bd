"""The per-resident chat rate limit, counted in the chat log so every server process sees the same numbers.

A resident who had `per_minute` messages answered in the last minute gets one polite notice (logged as a
"ratelimited" turn); further messages in that minute get no reply at all. Neither runs the matcher or a hook,
and neither counts as an answered message, so the resident is answered again as soon as the minute frees up.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import Session

from bot.models import ChatLog

WINDOW = dt.timedelta(minutes=1)
LIMITED = "ratelimited"  # the chat_log intent of a notice
Verdict = Literal["notice", "drop"]
# built once: constructing the expression on every message cost more than running it (bench/profile_chat.py)
_RECENT = select(
    func.count(ChatLog.id),
    func.coalesce(func.sum(case((ChatLog.intent == LIMITED, 1), else_=0)), 0),
).where(
    ChatLog.resident_id == bindparam("resident_id"),
    ChatLog.created_at > bindparam("since", type_=ChatLog.__table__.c.created_at.type),
)


def check(session: Session, *, resident_id: int, now: dt.datetime, per_minute: int) -> Verdict | None:
    """None when the message may be answered; "notice" to tell the resident once; "drop" to stay silent."""
    if per_minute <= 0:
        return None
    answered, noticed = session.execute(_RECENT, {"resident_id": resident_id, "since": now - WINDOW}).one()
    if answered - noticed < per_minute:
        return None
    return "drop" if noticed else "notice"


def record_notice(session: Session, *, resident_id: int, channel: str, text: str, now: dt.datetime) -> None:
    """Log the notice, so other processes know the resident was told and stay silent."""
    session.add(
        ChatLog(
            resident_id=resident_id, channel=channel, text=text[:500], intent=LIMITED, confidence=1.0, created_at=now
        )
    )
