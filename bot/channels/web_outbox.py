"""The web chat's Sender: pushes go into the web_outbox table; the open chat page fetches them (GET /api/chat/inbox).

It writes inside the sender loop's transaction (`send_in`), so a push and its ledger mark commit together:
a web resident gets each push exactly once, even across crashes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import insert, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import SendResult
from bot.db import transaction
from campaigns.delivery import OutboxMessage
from campaigns.models import WebOutbox

MAX_FETCH = 50


class WebOutboxSender:
    """Sender for channel "web"."""

    channel = "web"

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory

    def send(self, external_id: str, text: str, *, now: dt.datetime) -> SendResult:
        """Queue a message in its own transaction (test sends, late replies)."""
        with transaction(self.factory) as session:
            return self.send_in(session, delivery_id=None, external_id=external_id, text=text, now=now)

    def send_in(
        self, session: Session, *, delivery_id: int | None, external_id: str, text: str, now: dt.datetime
    ) -> SendResult:
        """Queue a message inside the caller's transaction."""
        # no flush here: the sender loop queues a whole batch and flushes it in one multi-row INSERT
        session.add(WebOutbox(external_id=external_id, text=text, delivery_id=delivery_id, created_at=now))
        return SendResult(ok=True)

    def send_many_in(self, session: Session, messages: Sequence[OutboxMessage]) -> list[SendResult]:
        """Queue a batch inside the caller's transaction: one multi-row INSERT, no ORM object per message."""
        if not messages:
            return []
        if session.get_bind().dialect.name == "postgresql":
            # one statement with four array parameters: an executemany was one statement per row on the server
            session.execute(
                _UNNEST_INSERT,
                {
                    "external_ids": [m.external_id for m in messages],
                    "texts": [m.text for m in messages],
                    "delivery_ids": [m.delivery_id for m in messages],
                    "created": [m.now.astimezone(dt.UTC) for m in messages],
                },
            )
        else:  # SQLite: an executemany is already a loop in process
            rows = [
                {"external_id": m.external_id, "text": m.text, "delivery_id": m.delivery_id, "created_at": m.now}
                for m in messages
            ]
            session.execute(insert(WebOutbox), rows)
        return [_STORED] * len(messages)  # SendResult is frozen: one shared instance, not one object per message


_STORED = SendResult(ok=True)
_UNNEST_INSERT = sql_text(
    "INSERT INTO web_outbox (external_id, text, delivery_id, created_at) "
    "SELECT * FROM unnest(CAST(:external_ids AS varchar[]), CAST(:texts AS text[]), "
    "CAST(:delivery_ids AS integer[]), CAST(:created AS timestamptz[]))"
)


def fetch(session: Session, external_id: str, *, after: int = 0, limit: int = MAX_FETCH) -> list[WebOutbox]:
    """Messages for a web user with id > after, oldest first (the page remembers the last id it showed)."""
    return list(
        session.execute(
            select(WebOutbox)
            .where(WebOutbox.external_id == external_id, WebOutbox.id > after)
            .order_by(WebOutbox.id)
            .limit(limit)
        ).scalars()
    )
