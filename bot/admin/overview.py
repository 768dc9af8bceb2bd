"""Figures for the console's 概览 page: questions asked, top questions, unanswered rate, campaigns, indicators."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from bot.dialogue import SURVEY_LOG_TEXT
from bot.models import ChatLog
from campaigns.models import Campaign, Delivery
from knowledge.curation import unanswered, unanswered_counts

UNANSWERED_INTENTS = ("unknown",)
ACTIVE_STATES = ("scheduled", "running", "paused")
DAYS = 14  # the dashboard's charts cover the last two weeks


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
        "daily_questions": daily_questions(session, now=now, tz=tz),
        "daily_reach": daily_reach(session, now=now, tz=tz),
        "top_unanswered": top_unanswered(session),
    }


def _local_day(session: Session, column: Any, tz: str, offset: dt.timedelta) -> ColumnElement[Any]:
    """The local calendar day of a stored UTC time, as the database computes it (one GROUP BY, no per-row Python)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone(tz, column), "YYYY-MM-DD")
    return func.date(column, f"{offset.total_seconds() / 3600:+g} hours")  # SQLite keeps UTC text; fixed offset


def _days(now: dt.datetime, tz: str) -> tuple[dt.datetime, list[str], dt.timedelta]:
    """(the first instant counted, the local days in order, the zone's offset)."""
    first = _local_midnight(now, tz) - dt.timedelta(days=DAYS - 1)
    local = first.astimezone(ZoneInfo(tz))
    offset = local.utcoffset() or dt.timedelta(0)
    return first, [(local + dt.timedelta(days=i)).strftime("%Y-%m-%d") for i in range(DAYS)], offset


def daily_questions(session: Session, *, now: dt.datetime, tz: str) -> list[dict[str, Any]]:
    """Questions per local day over the last two weeks, with how many went unanswered."""
    first, days, offset = _days(now, tz)
    day = _local_day(session, ChatLog.created_at, tz, offset).label("day")
    unknown = func.sum(case((ChatLog.intent.in_(UNANSWERED_INTENTS), 1), else_=0)).label("unknown")
    rows = session.execute(
        select(day, func.count().label("n"), unknown)
        .where(ChatLog.created_at >= first, ChatLog.text != SURVEY_LOG_TEXT)
        .group_by(day)
    )
    found = {str(d): (int(n), int(u or 0)) for d, n, u in rows}
    return [{"day": d, "total": found.get(d, (0, 0))[0], "unanswered": found.get(d, (0, 0))[1]} for d in days]


def daily_reach(session: Session, *, now: dt.datetime, tz: str) -> list[dict[str, Any]]:
    """Campaign messages delivered per local day over the last two weeks."""
    first, days, offset = _days(now, tz)
    day = _local_day(session, Delivery.sent_at, tz, offset).label("day")
    rows = session.execute(
        select(day, func.count()).where(Delivery.sent_at >= first, Delivery.state == "sent").group_by(day)
    )
    found = {str(d): int(n) for d, n in rows}
    return [{"day": d, "sent": found.get(d, 0)} for d in days]


def top_unanswered(session: Session, *, limit: int = 10) -> list[dict[str, Any]]:
    """The open questions the bot could not answer, most asked first."""
    rows = sorted(unanswered(session, limit=500), key=lambda r: (-r.count, r.text))[:limit]
    return [{"text": r.text, "count": r.count} for r in rows]


def indicators_by_township(session: Session, survey: Any) -> dict[str, Any]:
    """The survey's report over all waves, by township, recomputed only when its responses changed."""
    from surveys import report_cache

    return report_cache.build(session, survey, wave=None, by=["township"], with_reach=False)
