"""Tables of the knowledge base: catalogue items (imported list + 郑州 local rules), FAQ, unanswered questions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime


class Item(Base):
    """One catalogue item; `source` says whether the imported list or a local rule decided its category."""

    __tablename__ = "kb_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    category: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(32))  # "import" | "local" | "staff"
    imported_category: Mapped[str | None] = mapped_column(String(16), default=None)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    rule: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)  # kinds/conditions/tip/reason/ref
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class FaqEntry(Base):
    """A plain question with an editable answer (什么是无废城市, 二次四分法 …)."""

    __tablename__ = "kb_faq"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(128))
    keywords: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(256), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Unanswered(Base):
    """A question the bot could not answer, counted, for staff to curate."""

    __tablename__ = "kb_unanswered"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(200), unique=True)
    example: Mapped[str] = mapped_column(String(500))
    intent: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    resolved: Mapped[bool] = mapped_column(default=False)


class KbMeta(Base):
    """Key/value facts about the loaded knowledge (bundled data hash, version counter for cache reloads)."""

    __tablename__ = "kb_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))
