"""WeChat tables: inbound deliveries (dedupe + stored reply), signature nonces, service windows, QR codes, 群发 quota.

Both live in the database so several worker processes agree: WeChat re-delivers a message to whichever worker
answers, and the 48-hour / 5-message window must be counted once, not per process.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime


class WechatInbound(Base):
    """One delivery from WeChat, unique per message (MsgId) or event (openid + CreateTime + event)."""

    __tablename__ = "wechat_inbound"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    openid: Mapped[str] = mapped_column(String(128), index=True)
    msg_type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="processing")  # processing | done
    reply_text: Mapped[str | None] = mapped_column(Text, default=None)  # None = no passive reply ("success")
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class WechatNonce(Base):
    """A (timestamp, nonce) pair a plaintext post was signed with, and the delivery it carried (replays refused)."""

    __tablename__ = "wechat_nonces"

    pair: Mapped[str] = mapped_column(String(200), primary_key=True)  # "<timestamp>:<nonce>"
    dedupe_key: Mapped[str] = mapped_column(String(200))  # WechatInbound.dedupe_key of the delivery it signed
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class WechatWindow(Base):
    """When a follower last opened a customer-service window, and how many messages we used in it."""

    __tablename__ = "wechat_windows"

    openid: Mapped[str] = mapped_column(String(128), primary_key=True)
    message_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)  # resident's last message
    message_sent: Mapped[int] = mapped_column(Integer, default=0)
    event_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)  # last follow/scan/click
    event_sent: Mapped[int] = mapped_column(Integer, default=0)
    unfollowed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class WechatQrcode(Base):
    """A parametric QR code created for a scene ("cell_12"); permanent codes are reused, not created again."""

    __tablename__ = "wechat_qrcodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    scene: Mapped[str] = mapped_column(String(64), index=True)  # scene_str: cell_<id> or campaign_<id>
    permanent: Mapped[bool] = mapped_column(Boolean)
    ticket: Mapped[str] = mapped_column(String(256))
    url: Mapped[str] = mapped_column(String(256))  # what the code encodes (http://weixin.qq.com/q/…)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class WechatMassSend(Base):
    """One 群发 by tag; `slot` numbers the sends of a quota period (unique), so workers cannot exceed the quota."""

    __tablename__ = "wechat_mass_sends"
    __table_args__ = (UniqueConstraint("period", "slot", name="uq_wechat_mass_sends_period_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(16))  # "2026-03-30" (订阅号, per day) or "2026-03" (服务号, per month)
    slot: Mapped[int | None] = mapped_column(Integer, default=None)  # None once failed: the slot is free again
    tag_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    client_msg_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # sending | sent | failed
    msg_id: Mapped[str | None] = mapped_column(String(64), default=None)
    reason: Mapped[str | None] = mapped_column(String(256), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
