"""A campaign's figures per local day: targeted, skipped (by reason), delivered, links opened, survey responses."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Date, cast, func, select
from sqlalchemy.orm import Session

from campaigns import texts
from campaigns.models import Delivery, TrackedLink
from surveys.models import COMPLETED, SurveyLink, SurveyResponse

MAX_DAYS = 60  # a longer campaign shows its most recent 60 days
IDLE_DAYS = 14  # days run to today unless nothing happened for longer than this; then to the last activity


def _local_day(session: Session, column: Any, tz: str, offset: dt.timedelta) -> ColumnElement[Any]:
    """The local calendar day of a stored UTC time, computed by the database (as the dashboard's charts do)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(tz, column), Date)  # a date: cheaper than to_char text (bench)
    return func.date(column, f"{offset.total_seconds() / 3600:+g} hours")  # SQLite keeps UTC text; fixed offset


def _last_activity(session: Session, campaign_id: int) -> dt.datetime | None:
    """The latest ledger change, first link open or survey response through the campaign's pushes."""
    times = [
        session.scalar(select(func.max(Delivery.updated_at)).where(Delivery.campaign_id == campaign_id)),
        session.scalar(select(func.max(TrackedLink.clicked_at)).where(TrackedLink.campaign_id == campaign_id)),
        session.scalar(
            select(func.max(SurveyResponse.completed_at))
            .join(SurveyLink, SurveyLink.response_id == SurveyResponse.id)
            .join(Delivery, Delivery.id == SurveyLink.delivery_id)
            .where(Delivery.campaign_id == campaign_id)
        ),
    ]
    found = [t for t in times if t is not None]
    return max(found) if found else None


def daily(session: Session, campaign_id: int, *, now: dt.datetime, tz: str = "Asia/Shanghai") -> list[dict[str, Any]]:
    """One row per local day from the campaign's first ledger row to today, or to its last activity when that was over
    IDLE_DAYS ago (at most MAX_DAYS, the latest): targeted (ledger rows
    created), skipped with Chinese reasons, delivered, first link opens and completed survey responses via its pushes.
    Empty when the campaign has not targeted anyone yet."""
    first = session.scalar(select(func.min(Delivery.created_at)).where(Delivery.campaign_id == campaign_id))
    if first is None:
        return []
    zone = ZoneInfo(tz)
    end = now.astimezone(zone).date()
    last = _last_activity(session, campaign_id)
    if last is not None and (end - last.astimezone(zone).date()).days > IDLE_DAYS:
        end = last.astimezone(zone).date()  # a campaign that ended long ago: its own days, not empty weeks
    start = max(first.astimezone(zone).date(), end - dt.timedelta(days=MAX_DAYS - 1))
    start_utc = dt.datetime.combine(start, dt.time(0), tzinfo=zone).astimezone(dt.UTC)
    offset = now.astimezone(zone).utcoffset() or dt.timedelta(0)
    days = [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
    rows: dict[str, dict[str, Any]] = {
        d: {"day": d, "targeted": 0, "skipped": 0, "skip_reasons": {}, "sent": 0, "clicked": 0, "responses": 0}
        for d in days
    }
    mine = Delivery.campaign_id == campaign_id

    def count(key: str, column: Any, *where: Any, joins: tuple[Any, ...] = (), distinct: Any = None) -> None:
        day = _local_day(session, column, tz, offset).label("day")
        n = func.count(func.distinct(distinct)) if distinct is not None else func.count()
        query = select(day, n).select_from(joins[0] if joins else Delivery)
        for target, on in zip(joins[1::2], joins[2::2], strict=True):
            query = query.join(target, on)
        for d, n in session.execute(query.where(column >= start_utc, *where).group_by(day)).all():
            if str(d) in rows:
                rows[str(d)][key] = int(n)

    count("targeted", Delivery.created_at, mine)
    count("sent", Delivery.sent_at, mine, Delivery.state == "sent")
    opened = TrackedLink.campaign_id == campaign_id
    count("clicked", TrackedLink.clicked_at, opened, joins=(TrackedLink,), distinct=TrackedLink.delivery_id)
    count(
        "responses",
        SurveyResponse.completed_at,
        mine,
        SurveyResponse.status == COMPLETED,
        joins=(SurveyLink, Delivery, Delivery.id == SurveyLink.delivery_id, SurveyResponse,
               SurveyResponse.id == SurveyLink.response_id),
        distinct=SurveyLink.response_id,
    )  # fmt: skip
    day = _local_day(session, Delivery.updated_at, tz, offset).label("day")
    for d, reason, n in session.execute(
        select(day, Delivery.reason, func.count())
        .where(mine, Delivery.state == "skipped", Delivery.updated_at >= start_utc)
        .group_by(day, Delivery.reason)
    ).all():
        if str(d) in rows:
            row = rows[str(d)]
            row["skipped"] += int(n)
            name = texts.reason_name(str(reason))
            row["skip_reasons"][name] = row["skip_reasons"].get(name, 0) + int(n)
    return [rows[d] for d in days]
