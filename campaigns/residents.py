"""Finding or creating residents by channel identity; the caller owns the session."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaigns.models import ChannelIdentity, Resident


def get_or_create(session: Session, *, channel: str, external_id: str, now: dt.datetime) -> Resident:
    """The resident behind (channel, external_id), created on first contact; safe against a concurrent insert."""
    found = session.execute(
        select(Resident)
        .join(ChannelIdentity)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
    ).scalar_one_or_none()
    if found is not None:
        found.last_seen_at = now
        return found
    resident = Resident(created_at=now, last_seen_at=now)
    try:
        with session.begin_nested():
            session.add(resident)
            session.flush()
            session.add(
                ChannelIdentity(resident_id=resident.id, channel=channel, external_id=external_id, created_at=now)
            )
            session.flush()
    except IntegrityError:
        # another worker created the same identity first; use theirs
        return get_or_create(session, channel=channel, external_id=external_id, now=now)
    return resident


def set_area(session: Session, resident: Resident, area: str | None) -> None:
    """Record whether the resident lives in an urban or rural area (None = unknown)."""
    if area not in (None, "urban", "rural"):
        raise ValueError(f"unknown area: {area}")
    resident.area = area
