"""Tables for staff access: users, API tokens, console sessions, the audit log and the login throttle."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime


class StaffUser(Base):
    """A person who uses the console or the admin API, with one role."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # admin | staff | office | viewer
    password_hash: Mapped[str | None] = mapped_column(String(256), default=None)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    chat_identity: Mapped[str | None] = mapped_column(String(160), default=None)  # "channel:id" for test sends


class ApiToken(Base):
    """A bearer token for the admin API; only its SHA-256 is stored."""

    __tablename__ = "staff_api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class ConsoleSession(Base):
    """A logged-in browser: the cookie holds a random id whose SHA-256 is the key; the CSRF token lives here."""

    __tablename__ = "staff_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """Who did what to which object, and when."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(128), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class LoginClient(Base):
    """Console login failures per client address (IPv6 by /64): the per-client throttle, shared by all processes."""

    __tablename__ = "login_clients"

    client_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # in the current window, in-flight attempts included
    window_started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    blocked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    strikes: Mapped[int] = mapped_column(Integer, default=0)  # blocks so far: each one lasts twice as long
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class StaffDevice(Base):
    """A browser a user has logged in from: its cookie lets the right password through an account lock."""

    __tablename__ = "staff_devices"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    failures: Mapped[int] = mapped_column(Integer, default=0)  # wrong passwords sent with this cookie
