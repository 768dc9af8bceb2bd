"""Residents, channel identities, 无废细胞, segments, campaigns and the per-recipient delivery ledger."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, UTCDateTime


class Resident(Base):
    """A person we talk to, on one or more channels, with profile fields and push consent."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    area: Mapped[str | None] = mapped_column(String(8), default=None)  # "urban" | "rural" | None (unknown)
    city: Mapped[str | None] = mapped_column(String(32), default=None)
    township: Mapped[str | None] = mapped_column(String(64), default=None)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | stopped | unreachable
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    community: Mapped[str | None] = mapped_column(String(64), default=None)
    age_band: Mapped[str | None] = mapped_column(String(16), default=None)
    push_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    consent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    status_reason: Mapped[str | None] = mapped_column(String(128), default=None)
    status_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)

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


class ResidentEvent(Base):
    """Something a resident did that segments and relative schedules look at (joined a cell, subscribed …)."""

    __tablename__ = "resident_events"
    __table_args__ = (Index("ix_resident_events_kind_at", "kind", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # cell_join | campaign_join | subscribe | unsubscribe
    ref: Mapped[str | None] = mapped_column(String(64), default=None)  # e.g. the cell id
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Cell(Base):
    """A 无废细胞 (a school, community, market … taking part), with its status history."""

    __tablename__ = "cells"
    __table_args__ = (UniqueConstraint("name", "township", name="uq_cells_name_township"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(128))
    township: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # 申报 | 创建中 | 已命名 | 复核
    status_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{"status", "at"}]
    contact_name: Mapped[str | None] = mapped_column(String(64), default=None)
    contact_phone: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class CellMember(Base):
    """A resident who joined a cell (QR code, deep link, chat command or import)."""

    __tablename__ = "cell_members"
    __table_args__ = (UniqueConstraint("cell_id", "resident_id", name="uq_cell_members_cell_resident"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cell_id: Mapped[int] = mapped_column(ForeignKey("cells.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    via: Mapped[str] = mapped_column(String(16))  # qr | link | chat | import
    joined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Segment(Base):
    """A saved, named query over residents (rules as data; see campaigns.segments)."""

    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Campaign(Base):
    """A publicity push: content, audience, schedule and lifecycle state."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(512), default=None)
    variants: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # channel -> text or template fields
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="RESTRICT"), default=None)
    channels: Mapped[list[str]] = mapped_column(JSON)  # in order of preference
    schedule_kind: Mapped[str] = mapped_column(String(16))  # now | once | cron | lunar | relative
    schedule_expr: Mapped[str] = mapped_column(String(64), default="")
    send_time: Mapped[str | None] = mapped_column(String(5), default=None)  # "09:00" for lunar dates
    state: Mapped[str] = mapped_column(String(16), index=True)  # draft scheduled running paused finished cancelled
    state_reason: Mapped[str | None] = mapped_column(String(256), default=None)
    next_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class CampaignRun(Base):
    """One occurrence of a campaign's schedule; its audience is materialised into deliveries once."""

    __tablename__ = "campaign_runs"
    __table_args__ = (UniqueConstraint("campaign_id", "due_at", name="uq_campaign_runs_campaign_due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    state: Mapped[str] = mapped_column(String(16))  # sending | done | missed | cancelled | ongoing
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class Delivery(Base):
    """The ledger: one row per (run, resident); pending → sending → sent / failed / skipped."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("run_id", "resident_id", name="uq_deliveries_run_resident"),
        Index("ix_deliveries_campaign_state", "campaign_id", "state"),
        # partial indexes, so a row enters them only while it is claimed: every ledger row is written at least twice
        # (materialised, then sent), and each index a write touches is paid per recipient (migration 0030)
        Index(
            "ix_deliveries_sending",
            "claimed_until",
            postgresql_where=sql_text("state = 'sending'"),
            sqlite_where=sql_text("state = 'sending'"),
        ),
        Index(
            "ix_deliveries_claim_token",
            "claim_token",
            postgresql_where=sql_text("claim_token IS NOT NULL"),
            sqlite_where=sql_text("claim_token IS NOT NULL"),
        ),
        # the claim's path: pending rows of the running campaigns in order, stopping at the batch size (even with
        # stale statistics); small, as rows leave it once claimed
        Index(
            "ix_deliveries_pending",
            "campaign_id",
            "id",
            postgresql_where=sql_text("state = 'pending'"),
            sqlite_where=sql_text("state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    run_id: Mapped[int] = mapped_column(ForeignKey("campaign_runs.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str | None] = mapped_column(String(16), default=None)
    external_id: Mapped[str | None] = mapped_column(String(128), default=None)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64), default=None)  # why skipped / failed
    last_error: Mapped[str | None] = mapped_column(String(256), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    claim_token: Mapped[str | None] = mapped_column(String(36), default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    provider_id: Mapped[str | None] = mapped_column(String(128), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class WebOutbox(Base):
    """Pushes waiting for a web chat user; the page fetches them with GET /api/chat/inbox."""

    __tablename__ = "web_outbox"
    __table_args__ = (Index("ix_web_outbox_user_id", "external_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    delivery_id: Mapped[int | None] = mapped_column(Integer, default=None, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class BindCode(Base):
    """A one-time code a resident got in chat by saying 绑定: sent from another channel it merges the two identities,
    entered in the console it binds a staff account to this chat identity. Only an HMAC of the code is stored."""

    __tablename__ = "bind_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # the identity that asked: what a staff binding points at
    external_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class BindFailure(Base):
    """One wrong binding code (from a resident, or `staff:<id>` from the console): the per-sender and global limits."""

    __tablename__ = "bind_failures"
    __table_args__ = (Index("ix_bind_failures_who_at", "who", "at"), Index("ix_bind_failures_at", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    who: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class TrackedLink(Base):
    """One link of one delivery: /l/<token> redirects to `url`; the first click is recorded (time, channel)."""

    __tablename__ = "tracked_links"
    __table_args__ = (UniqueConstraint("delivery_id", "url", name="uq_tracked_links_delivery_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)  # 128 random bits, URL-safe base64
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    clicked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    click_channel: Mapped[str | None] = mapped_column(String(16), default=None)


class RosterEntry(Base):
    """A resident expected in a cell (imported list): name, and the channel account where known. Joined or not is
    worked out at read time from the channel identity and the cell's members (so merged residents count once)."""

    __tablename__ = "cell_roster"
    __table_args__ = (Index("ix_cell_roster_cell_name", "cell_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cell_id: Mapped[int] = mapped_column(ForeignKey("cells.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(16), default=None)
    external_id: Mapped[str | None] = mapped_column(String(128), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
