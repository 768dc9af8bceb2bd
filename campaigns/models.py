"""Residents and their channel identities; the area setting (urban/rural) decides how sorting answers are phrased."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, UTCDateTime


class Resident(Base):
    """A person we talk to, on one or more channels."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    area: Mapped[str | None] = mapped_column(String(8), default=None)  # "urban" | "rural" | None (unknown)
    city: Mapped[str | None] = mapped_column(String(32), default=None)
    township: Mapped[str | None] = mapped_column(String(64), default=None)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    identities: Mapped[list[ChannelIdentity]] = relationship(back_populates="resident")


class ChannelIdentity(Base):
    """One address of a resident on one channel (WeChat openid, Telegram chat id, web user id, console)."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_channel_identities_channel_external"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    resident: Mapped[Resident] = relationship(back_populates="identities")
