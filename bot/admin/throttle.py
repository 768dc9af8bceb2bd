"""Per-client login throttle: failures per client address live in a table, and a flood is refused before any hashing.

Each attempt reserves a failure first (one atomic UPDATE), so parallel guesses cannot slip past the limit; a success
gives its reservation back. After `LIMIT` failures within `WINDOW` the client is refused for `BASE_BLOCK`, doubling with
each further block up to `MAX_BLOCK`; a client quiet for `FORGET` starts afresh.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.admin.models import LoginClient

LIMIT = 5
WINDOW = dt.timedelta(minutes=15)
BASE_BLOCK = dt.timedelta(minutes=1)
MAX_BLOCK = dt.timedelta(hours=1)
FORGET = dt.timedelta(days=1)
NO_SYNC = {"synchronize_session": False}


@dataclass(frozen=True)
class Decision:
    """Whether a client may try a password now; when not, how many seconds to wait and whether a block just began."""

    allowed: bool
    retry_after: int = 0
    block_started: bool = False


def client_key(address: str | None) -> str:
    """The throttle key of a client address: the IPv4 address, or the /64 network of an IPv6 one."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _not_blocked(now: dt.datetime) -> ColumnElement[bool]:
    return or_(LoginClient.blocked_until.is_(None), LoginClient.blocked_until <= now)


def _ensure(session: Session, key: str, now: dt.datetime) -> None:
    values = {"client_key": key, "failures": 0, "strikes": 0, "window_started_at": now, "updated_at": now}
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(LoginClient).values(**values).on_conflict_do_nothing(index_elements=["client_key"]))


def reserve(session: Session, key: str, *, now: dt.datetime) -> Decision:
    """Count one attempt for `key` before its password is checked, or refuse it (cheaply) while the client is blocked."""
    _ensure(session, key, now)
    where = LoginClient.client_key == key
    # a client quiet for a day is forgiven its strikes; a window that ran out without a block starts afresh
    session.execute(
        update(LoginClient)
        .execution_options(**NO_SYNC)
        .where(where, LoginClient.updated_at <= now - FORGET, _not_blocked(now))
        .values(strikes=0)
    )
    session.execute(
        update(LoginClient)
        .execution_options(**NO_SYNC)
        .where(where, LoginClient.window_started_at <= now - WINDOW, _not_blocked(now))
        .values(failures=0, window_started_at=now)
    )
    counted = session.execute(
        update(LoginClient)
        .execution_options(**NO_SYNC)
        .where(where, LoginClient.failures < LIMIT, _not_blocked(now))
        .values(failures=LoginClient.failures + 1, updated_at=now)
        .returning(LoginClient.failures)
    ).first()
    if counted is not None:
        return Decision(True)
    row = session.execute(
        select(LoginClient.blocked_until, LoginClient.strikes).where(where).execution_options(populate_existing=True)
    ).one()
    if row.blocked_until is not None and row.blocked_until > now:
        return Decision(False, _seconds(row.blocked_until - now))
    # LIMIT failures in the window and no block yet: start one (only one of several parallel requests does)
    length = min(MAX_BLOCK, BASE_BLOCK * 2 ** min(row.strikes, 16))
    started = session.execute(
        update(LoginClient)
        .execution_options(**NO_SYNC)
        .where(where, LoginClient.failures >= LIMIT, _not_blocked(now))
        .values(
            blocked_until=now + length,
            strikes=LoginClient.strikes + 1,
            failures=0,
            window_started_at=now + length,
            updated_at=now,
        )
    )
    return Decision(False, _seconds(length), block_started=started.rowcount == 1)  # type: ignore[attr-defined]


def release(session: Session, key: str, *, now: dt.datetime) -> None:
    """Give back a reservation: the attempt succeeded or was never checked."""
    session.execute(
        update(LoginClient)
        .execution_options(**NO_SYNC)
        .where(LoginClient.client_key == key, LoginClient.failures > 0)
        .values(failures=LoginClient.failures - 1, updated_at=now)
    )


def clear(session: Session, key: str) -> bool:
    """Forget a client's failures and block (an admin lifting a refusal); True if there was anything to forget."""
    return bool(session.execute(delete(LoginClient).where(LoginClient.client_key == key)).rowcount)  # type: ignore[attr-defined]


def purge(session: Session, *, now: dt.datetime) -> int:
    """Forget clients that have been quiet for `FORGET` and are not blocked; returns how many."""
    gone = session.execute(delete(LoginClient).where(LoginClient.updated_at <= now - FORGET, _not_blocked(now)))
    return int(gone.rowcount)  # type: ignore[attr-defined]


def _seconds(delta: dt.timedelta) -> int:
    return max(1, int(delta.total_seconds() + 0.999))
