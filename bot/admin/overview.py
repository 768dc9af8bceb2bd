"""Figures for the console's 概览 page: questions asked, top questions, unanswered rate, campaigns, indicators."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.dialogue import SURVEY_LOG_TEXT
from bot.models import ChatLog
from campaigns.models import Campaign
from knowledge.curation import unanswered_counts

UNANSWERED_INTENTS = ("unknown",)
ACTIVE_STATES = ("scheduled", "running", "paused")


def _local_midnight(now: dt.datetime, tz: str) -> dt.datetime:
    local = now.astimezone(ZoneInfo(tz))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)


def questions(session: Session, *, since: dt.datetime) -> tuple[int, int]:
    """(questions since `since`, of which unanswered); survey turns are not questions."""
    base = select(func.count()).select_from(ChatLog).where(ChatLog.created_at >= since, ChatLog.text != SURVEY_LOG_TEXT)
    total = int(session.scalar(base) or 0)
    unknown = int(session.scalar(base.where(ChatLog.intent.in_(UNANSWERED_INTENTS))) or 0)
    return total, unknown


def top_questions(session: Session, *, since: dt.datetime, limit: int = 10) -> list[tuple[str, int]]:
    """The most asked sorting questions since `since`."""
    n = func.count().label("n")
    rows = session.execute(
        select(ChatLog.text, n)
        .where(ChatLog.created_at >= since, ChatLog.intent.in_(("sorting", "clarify")))
        .group_by(ChatLog.text)
        .order_by(n.desc(), ChatLog.text)
        .limit(limit)
    )
    return [(str(text), int(count)) for text, count in rows]


def campaigns_by_state(session: Session) -> dict[str, int]:
    """Campaign counts per lifecycle state."""
    rows = session.execute(select(Campaign.state, func.count()).group_by(Campaign.state))
    return {str(state): int(n) for state, n in rows}


def build(session: Session, *, now: dt.datetime, tz: str = "Asia/Shanghai") -> dict[str, Any]:
    """Everything the dashboard shows, JSON-ready."""
    today = _local_midnight(now, tz)
    week = today - dt.timedelta(days=today.astimezone(ZoneInfo(tz)).weekday())
    today_total, today_unknown = questions(session, since=today)
    week_total, week_unknown = questions(session, since=week)
    open_questions, open_asks = unanswered_counts(session)
    states = campaigns_by_state(session)
    return {
        "questions_today": today_total,
        "questions_week": week_total,
        "unanswered_today": today_unknown,
        "unanswered_week": week_unknown,
        "unanswered_rate_week": round(week_unknown / week_total, 4) if week_total else None,
        "top_questions_week": [{"text": t, "count": c} for t, c in top_questions(session, since=week)],
        "unanswered_queue": {"questions": open_questions, "asked": open_asks},
        "campaigns": states,
        "active_campaigns": sum(states.get(s, 0) for s in ACTIVE_STATES),
    }
