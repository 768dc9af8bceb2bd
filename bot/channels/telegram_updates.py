"""Telegram webhook de-duplication: each (bot, update_id) is taken once, across restarts and worker processes.

Telegram redelivers an update until it gets a 2xx; `update_id` exists so that a bot can ignore the repeats. The
row is written before the update is handled, so a redelivery that reaches another worker meanwhile is not answered
twice; a database that cannot record it makes the webhook fail, and Telegram delivers again later.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.channels.telegram_models import TelegramUpdate

UPDATES_KEEP = dt.timedelta(days=2)  # Telegram stops redelivering after a day


def claim_update(session: Session, *, bot_id: int, update_id: int, now: dt.datetime) -> bool:
    """Record an update; False when it was recorded before (a redelivery)."""
    try:
        with session.begin_nested():
            session.add(TelegramUpdate(bot_id=bot_id, update_id=update_id, received_at=now))
            session.flush()
    except IntegrityError:
        return False
    return True


class Redelivered(Exception):
    """The update was recorded before: the transaction that tried to record it again is rolled back whole."""


def record_update(session: Session, *, bot_id: int, update_id: int, now: dt.datetime) -> None:
    """Record an update inside the transaction that handles it (no savepoint); Redelivered when it was recorded
    before, after which the caller's transaction must be rolled back."""
    session.add(TelegramUpdate(bot_id=bot_id, update_id=update_id, received_at=now))
    try:
        session.flush()
    except IntegrityError as exc:
        raise Redelivered(update_id) from exc


def purge_updates(session: Session, now: dt.datetime) -> int:
    """Forget updates received more than two days before `now`; the number of rows removed."""
    result = session.execute(delete(TelegramUpdate).where(TelegramUpdate.received_at < now - UPDATES_KEEP))
    return int(getattr(result, "rowcount", 0) or 0)
