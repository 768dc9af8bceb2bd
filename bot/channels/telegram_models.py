"""Telegram tables: blocked chats, answered keyboards, webhook updates seen, and the send log behind the rate limits."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime


class TelegramChat(Base):
    """What we know about one chat: whether the bot may write to it (my_chat_member updates, 403 answers)."""

    __tablename__ = "telegram_chats"

    chat_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    chat_type: Mapped[str | None] = mapped_column(String(16), default=None)  # private | group | supergroup | channel
    blocked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reason: Mapped[str | None] = mapped_column(String(256), default=None)  # why we may not write (Telegram's words)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # when `blocked` last changed


class TelegramSend(Base):
    """One message sent (or about to be sent) to Telegram: the sliding-window log behind the rate limits."""

    __tablename__ = "telegram_sends"
    __table_args__ = (
        Index("ix_telegram_sends_sent_at", "sent_at"),
        Index("ix_telegram_sends_chat_sent_at", "chat_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class TelegramRateState(Base):
    """The single row every sender updates first: it serialises slot reservations and holds a 429 pause."""

    __tablename__ = "telegram_rate_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    paused_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class TelegramAnsweredKeyboard(Base):
    """An inline keyboard whose button was pressed; a second press (double tap, another worker) is ignored."""

    __tablename__ = "telegram_answered_keyboards"

    chat_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class TelegramUpdate(Base):
    """A webhook update already taken (per bot): Telegram's redelivery of the same update_id is not answered again."""

    __tablename__ = "telegram_updates"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
