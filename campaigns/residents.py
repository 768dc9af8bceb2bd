"""Finding or creating residents by channel identity, their push consent and reachability; the caller owns the session.

Consent follows WUFEI_CAMPAIGNS__CONSENT. "opt_out" (the default): following the 公众号, /start or chatting is
consent, as followers of an official account receive its 群发, until the resident says 退订; a resident who never
said either way (consent_at NULL) is reached. "opt_in": only residents who said 订阅 (or joined a cell or scanned a
campaign code) are reached.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import ColumnElement, Insert, Table, bindparam, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from campaigns.models import ChannelIdentity, Resident, ResidentEvent
from campaigns.texts import REACHABLE_AGAIN

CONSENT_MODES = ("opt_out", "opt_in")


def effective_consent(mode: str) -> ColumnElement[bool]:
    """SQL: may this resident get pushes under the consent mode (status is checked separately)."""
    if mode not in CONSENT_MODES:
        raise ValueError(f"unknown consent mode: {mode}")
    if mode == "opt_in":
        return Resident.push_consent.is_(True)
    return or_(Resident.push_consent.is_(True), Resident.consent_at.is_(None))


def consents(resident: Resident, mode: str) -> bool:
    """The same rule as `effective_consent`, for one loaded resident."""
    if resident.status != "active":
        return False
    return bool(resident.push_consent) or (mode == "opt_out" and resident.consent_at is None)


# built once: the lookup runs on every chat message (one indexed statement; building it cost as much as running it)
_BY_IDENTITY = (
    select(Resident)
    .join(ChannelIdentity)
    .where(ChannelIdentity.channel == bindparam("channel"), ChannelIdentity.external_id == bindparam("external_id"))
)


def get_or_create(session: Session, *, channel: str, external_id: str, now: dt.datetime) -> Resident:
    """The resident behind (channel, external_id), created on first contact; safe against a concurrent insert."""
    found = session.execute(_BY_IDENTITY, {"channel": channel, "external_id": external_id}).scalar_one_or_none()
    if found is not None:
        seen(session, found, now=now)
        return found
    return first_contact(session, channel=channel, external_id=external_id, now=now)[0]


def first_contact(session: Session, *, channel: str, external_id: str, now: dt.datetime) -> tuple[Resident, bool]:
    """A new resident for (channel, external_id), which the caller just read as absent in this transaction: no
    read again before the insert. (resident, True) when made here; (theirs, False) when a concurrent insert won."""
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
        return get_or_create(session, channel=channel, external_id=external_id, now=now), False
    return resident, True


_RESIDENTS = cast(Table, Resident.__table__)
_IDENTITIES = cast(Table, ChannelIdentity.__table__)
# a first contact's two rows as two Core statements (no ORM unit of work, no savepoint): the resident, then its
# identity, which a concurrent first contact of the same (channel, external_id) may have inserted first
_NEW_RESIDENT = insert(_RESIDENTS).returning(_RESIDENTS.c.id)
_NEW_IDENTITY: dict[str, Insert] = {
    name: dialect_insert(_IDENTITIES)
    .on_conflict_do_nothing(index_elements=["channel", "external_id"])
    .returning(_IDENTITIES.c.id)
    for name, dialect_insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}
_DROP_RESIDENT = delete(_RESIDENTS).where(_RESIDENTS.c.id == bindparam("rid"))
_ID_BY_IDENTITY = select(ChannelIdentity.resident_id).where(
    ChannelIdentity.channel == bindparam("channel"), ChannelIdentity.external_id == bindparam("external_id")
)


def first_contact_id(session: Session, *, channel: str, external_id: str, now: dt.datetime) -> tuple[int, bool]:
    """`first_contact` for a caller that needs only the id: (resident id, True) when made here, (theirs, False) when
    a concurrent first contact inserted the same identity first (their resident is marked seen; ours is deleted).

    Two plain INSERTs on the session's connection; the identity's ON CONFLICT DO NOTHING replaces the savepoint."""
    connection = session.connection()
    resident_id = connection.execute(_NEW_RESIDENT, {"created_at": now, "last_seen_at": now}).scalar_one()
    identity = _NEW_IDENTITY[connection.dialect.name]
    values = {"resident_id": resident_id, "channel": channel, "external_id": external_id, "created_at": now}
    if connection.execute(identity, values).first() is not None:
        return resident_id, True
    connection.execute(_DROP_RESIDENT, {"rid": resident_id})  # the concurrent insert won: use theirs
    theirs = connection.execute(_ID_BY_IDENTITY, {"channel": channel, "external_id": external_id}).scalar_one()
    seen_id(session, theirs, now=now)
    return theirs, False


def made_resident(session: Session, resident_id: int, *, now: dt.datetime) -> Resident:
    """The ORM object of a resident `first_contact_id` just inserted, added to the session as loaded (no read): the
    columns the insert gave it, every other one its default."""
    resident = Resident(
        id=resident_id,
        area=None,
        city=None,
        township=None,
        status="active",
        created_at=now,
        last_seen_at=now,
        community=None,
        age_band=None,
        push_consent=False,
        consent_at=None,
        status_reason=None,
        status_at=None,
    )
    make_transient_to_detached(resident)
    session.add(resident)
    return resident


_SEEN = (
    update(_RESIDENTS)
    .where(_RESIDENTS.c.id == bindparam("rid"))
    .values(last_seen_at=bindparam("at", type_=_RESIDENTS.c.last_seen_at.type))
)


SEEN_ID = _SEEN  # parameters rid, at: `seen_id` as a statement, for a caller that sends it with others


def seen(session: Session, resident: Resident, *, now: dt.datetime) -> None:
    """The resident (already looked up) just wrote to us."""
    if resident.status == "unreachable":
        resident.last_seen_at = now
        reachable_again(session, resident, now=now)  # they wrote to us, so the platform lets us write back
        return
    # the common case, every message: one plain UPDATE, not the ORM's unit of work (the object is told the new value)
    seen_id(session, resident.id, now=now)
    set_committed_value(resident, "last_seen_at", now)


def seen_id(session: Session, resident_id: int, *, now: dt.datetime) -> None:
    """`seen` for a reachable resident read as a row, not an object: one plain UPDATE on the session's connection."""
    session.connection().execute(_SEEN, {"rid": resident_id, "at": now})


def set_area(session: Session, resident: Resident, area: str | None) -> None:
    """Record whether the resident lives in an urban or rural area (None = unknown)."""
    if area not in (None, "urban", "rural"):
        raise ValueError(f"unknown area: {area}")
    resident.area = area


def record_event(session: Session, resident: Resident, kind: str, *, now: dt.datetime, ref: str | None = None) -> None:
    """Remember something the resident did (segments and relative schedules read these)."""
    session.add(ResidentEvent(resident_id=resident.id, kind=kind, ref=ref, at=now))


def subscribe(session: Session, resident: Resident, *, now: dt.datetime) -> None:
    """The resident agrees to receive pushes (onboarding or `订阅`)."""
    resident.push_consent = True
    resident.consent_at = now
    if resident.status != "active":
        resident.status, resident.status_reason, resident.status_at = "active", "resubscribed", now
    record_event(session, resident, "subscribe", now=now)


def unsubscribe(session: Session, resident: Resident, *, now: dt.datetime, reason: str) -> None:
    """The resident opts out (`退订`, `TD`, /unsubscribe, WeChat unfollow): no more pushes."""
    resident.push_consent = False
    resident.consent_at = now
    resident.status, resident.status_reason, resident.status_at = "stopped", reason[:128], now
    record_event(session, resident, "unsubscribe", now=now, ref=reason[:64])


def reachable_again(session: Session, resident: Resident, *, now: dt.datetime) -> None:
    """An unreachable resident wrote again or unblocked the bot: pushes may go to them again (退订 stays 退订)."""
    if resident.status == "unreachable":
        resident.status, resident.status_reason, resident.status_at = "active", REACHABLE_AGAIN, now
        record_event(session, resident, "reachable", now=now)


def reachable_by_identity(session: Session, *, channel: str, external_id: str, now: dt.datetime) -> bool:
    """`reachable_again` for the resident behind (channel, external_id); False when there is none to change."""
    resident = session.execute(
        select(Resident)
        .join(ChannelIdentity)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
    ).scalar_one_or_none()
    if resident is None or resident.status != "unreachable":
        return False
    reachable_again(session, resident, now=now)
    return True


def mark_unreachable(session: Session, resident_id: int, *, now: dt.datetime, reason: str) -> None:
    """A platform says this resident can no longer be reached (blocked the bot, unfollowed …)."""
    resident = session.get(Resident, resident_id)
    if resident is not None and resident.status == "active":
        resident.status, resident.status_reason, resident.status_at = "unreachable", reason[:128], now
