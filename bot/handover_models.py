"""Tables of the 人工客服 handover: a conversation a resident opened for staff, and the staff replies in it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, literal_column
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime

# 'open' written into the SQL, not bound: SQLite prepares a statement again on every execution when a bound value decides
# whether a partial index (uq_handover_conversations_open) applies (about 0.3 ms per lookup of the sender, whose SQL is long)
OPEN = literal_column("'open'", String)


class HandoverConversation(Base):
    """A resident asked for a person (or the bot failed twice): open until staff close it; one open per resident."""

    __tablename__ = "handover_conversations"
    __table_args__ = (
        Index(
            "uq_handover_conversations_open",
            "resident_id",
            unique=True,
            sqlite_where=sql_text("status = 'open'"),
            postgresql_where=sql_text("status = 'open'"),
        ),
        Index("ix_handover_conversations_status_last", "status", "last_message_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # where the resident wrote from; staff replies go there
    external_id: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(String(16))  # "asked" | "unanswered"
    question: Mapped[str] = mapped_column(String(500), default="")  # the question that made it (for the FAQ)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_message_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # the resident's latest message
    status: Mapped[str] = mapped_column(String(8), default="open")  # "open" | "closed"
    assigned_to: Mapped[str | None] = mapped_column(String(64), default=None)  # staff name (the first to reply)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_by: Mapped[str | None] = mapped_column(String(64), default=None)


class HandoverReply(Base):
    """One message staff wrote in a conversation, and whether the resident's channel took it."""

    __tablename__ = "handover_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("handover_conversations.id", ondelete="CASCADE"), index=True
    )
    staff: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sent: Mapped[bool] = mapped_column(Boolean)
    result: Mapped[str] = mapped_column(String(256), default="")  # the channel's answer, in Chinese
