"""WeChat tables: inbound deliveries (dedupe + the stored reply) and each follower's customer-service window.

Both live in the database so several worker processes agree: WeChat re-delivers a message to whichever worker
answers, and the 48-hour / 5-message window must be counted once, not per process.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, Text
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


class WechatWindow(Base):
    """When a follower last opened a customer-service window, and how many messages we used in it."""

    __tablename__ = "wechat_windows"

    openid: Mapped[str] = mapped_column(String(128), primary_key=True)
    message_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)  # resident's last message
    message_sent: Mapped[int] = mapped_column(Integer, default=0)
    event_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)  # last follow/scan/click
    event_sent: Mapped[int] = mapped_column(Integer, default=0)
    unfollowed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
