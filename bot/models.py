"""Tables the dialogue core owns: per-resident conversation state and the chat log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime


class ConversationState(Base):
    """What the bot is waiting for from a resident (a clarification choice …), so any worker can continue."""

    __tablename__ = "conversation_states"

    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ChatLog(Base):
    """One resident message and how it was understood (for the dashboard and evaluation)."""

    __tablename__ = "chat_log"
    __table_args__ = (
        Index("ix_chat_log_created_at", "created_at"),
        Index("ix_chat_log_resident_created", "resident_id", "created_at"),  # the chat rate limit
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"), default=None)
    channel: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(500))
    intent: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[float] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reply: Mapped[str | None] = mapped_column(String(500), default=None)  # the bot's answer (not for survey turns)


class ChatClientMinute(Base):
    """Web chat messages from one client address in the current minute: the per-client limit, shared by processes."""

    __tablename__ = "chat_client_minutes"
    __table_args__ = (Index("ix_chat_client_minutes_window_start", "window_start"),)

    client: Mapped[str] = mapped_column(String(64), primary_key=True)  # an IPv4 address or an IPv6 /64
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    messages: Mapped[int] = mapped_column(Integer)
