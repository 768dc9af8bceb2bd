"""The chat rate limits, kept in the database so every server process sees the same numbers.

Per resident (counted in the chat log): a resident who had `per_minute` messages answered in the last minute gets
one polite notice (logged as a "ratelimited" turn); further messages in that minute get no reply at all. Neither
runs the matcher or a hook, and neither counts as an answered message, so the resident is answered again as soon
as the minute frees up.

Per web client (counted in `chat_client_minutes`, one row per client address): a new web identity costs nothing, so
a flood that drops its cookie for each message would never meet the per-resident limit. Every message from one
address (IPv6: its /64) in the current clock minute is counted with one atomic upsert; message `per_minute + 1`
gets the notice and the rest of that minute are refused before a resident is even looked up.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from sqlalchemy import Executable, bindparam, case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.models import ChatClientMinute, ChatLog
from campaigns.models import Resident

WINDOW = dt.timedelta(minutes=1)
LIMITED = "ratelimited"  # the chat_log intent of a notice
Verdict = Literal["notice", "drop"]


def since_count(intent: str | None) -> Any:
    """The resident's chat log rows of the last minute (of `intent` if given): a correlated count for one statement."""
    where = [
        ChatLog.resident_id == Resident.id,
        ChatLog.created_at > bindparam("since", type_=ChatLog.__table__.c.created_at.type),
    ]
    if intent is not None:
        where.append(ChatLog.intent == intent)
    return select(func.count(ChatLog.id)).where(*where).scalar_subquery()


def verdict(answered: int, noticed: int, per_minute: int) -> Verdict | None:
    """The per-resident limit for one more message: None to answer, "notice" once over, "drop" after the notice."""
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


def window_start(now: dt.datetime) -> dt.datetime:
    """The clock minute `now` falls in (the per-client window)."""
    return now.astimezone(dt.UTC).replace(second=0, microsecond=0)


def _build_upsert(dialect: str, *, returning: bool = True) -> Executable:
    """Count one message of :client in the minute :start (a newer minute starts again at 1), returning the count."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    start = bindparam("start", type_=ChatClientMinute.__table__.c.window_start.type)
    row = insert(ChatClientMinute).values(client=bindparam("client"), window_start=start, messages=1)
    same = ChatClientMinute.window_start >= row.excluded.window_start  # >=: a process whose clock lags joins in
    upsert = row.on_conflict_do_update(
        index_elements=[ChatClientMinute.client],
        set_={
            "messages": case((same, ChatClientMinute.messages + 1), else_=1),
            "window_start": case((same, ChatClientMinute.window_start), else_=row.excluded.window_start),
        },
    )
    return upsert.returning(ChatClientMinute.messages) if returning else upsert


# built once per dialect, like the sender's statement (bot/sender.py): building and compiling the upsert cost ten times what running it does
_UPSERTS = {dialect: _build_upsert(dialect) for dialect in ("sqlite", "postgresql")}
# the same count without its result, for a message already let through (peek_client): queued with the turn's other
# writes (bot/dialogue.py Writes), so on PostgreSQL it is a WITH part of their one statement, not a round trip of its own
COUNTS = {dialect: _build_upsert(dialect, returning=False) for dialect in ("sqlite", "postgresql")}


def count_params(client: str, now: dt.datetime) -> dict[str, Any]:
    """The parameters of a `COUNTS` statement: one message of `client` in the minute of `now`."""
    return {"client": client[:64], "start": window_start(now)}


def check_client(session: Session, *, client: str, now: dt.datetime, per_minute: int) -> Verdict | None:
    """Count one web message from `client`; None to go on, "notice" for the first one over, "drop" after that."""
    if per_minute <= 0:
        return None
    upsert = _UPSERTS[session.get_bind().dialect.name]
    messages = int(session.execute(upsert, count_params(client, now)).scalar_one())
    if messages <= per_minute:
        return None
    return "notice" if messages == per_minute + 1 else "drop"


_CLIENT_COUNT = select(ChatClientMinute.messages, ChatClientMinute.window_start).where(
    ChatClientMinute.client == bindparam("client")
)


def peek_client(session: Session, *, client: str, now: dt.datetime, per_minute: int) -> Verdict | None:
    """`check_client`'s verdict for one more message, read without counting it (no write, so no lock on SQLite).

    The chat path counts the message with a `COUNTS` statement at the end of its transaction; two messages from one
    address at the same instant may both pass on the same count (the count itself stays exact)."""
    if per_minute <= 0:
        return None
    row = session.execute(_CLIENT_COUNT, {"client": client[:64]}).first()
    return client_verdict(
        int(row.messages) if row is not None and row.window_start >= window_start(now) else 0, per_minute
    )


def client_verdict(counted: int, per_minute: int) -> Verdict | None:
    """The per-address verdict for one more message when `counted` are already counted in its current minute."""
    messages = counted + 1
    if per_minute <= 0 or messages <= per_minute:
        return None
    return "notice" if messages == per_minute + 1 else "drop"


def client_count(client: Any, start: Any) -> Any:
    """The address's count in the minute starting at `start` (NULL if none): a scalar subquery for the sender's
    lookup (bot/sender.py), so a known sender's message needs no read of its own for the per-address limit."""
    window = ChatClientMinute.window_start >= start
    return select(ChatClientMinute.messages).where(ChatClientMinute.client == client, window).scalar_subquery()


def retry_after(now: dt.datetime) -> int:
    """Seconds until the per-client window of `now` ends (for a Retry-After header)."""
    return max(1, int((window_start(now) + WINDOW - now).total_seconds() + 0.999))


def purge_clients(session: Session, *, now: dt.datetime, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Forget client addresses not seen for `older_than`; returns how many."""
    gone = session.execute(delete(ChatClientMinute).where(ChatClientMinute.window_start < now - older_than))
    return int(gone.rowcount)  # type: ignore[attr-defined]
