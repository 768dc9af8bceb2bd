"""Tables of ingested plans (方案): the document, its section tree, tasks with their units, and numeric targets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, UTCDateTime


class PlanDocument(Base):
    """One ingested plan; re-ingesting the same source replaces it."""

    __tablename__ = "plan_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    city: Mapped[str | None] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(String(256))
    doc_no: Mapped[str | None] = mapped_column(String(64))  # 文号, e.g. 新政〔2023〕6号
    issuer: Mapped[str | None] = mapped_column(String(128))
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    source_name: Mapped[str] = mapped_column(String(256))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # cells, leadership, indicator system
    ingested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class PlanSection(Base):
    """A numbered heading or item (一、/（一）/1./（1）/①), with its parent and body text."""

    __tablename__ = "plan_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("plan_documents.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plan_sections.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(64))  # "四（五）1"
    level: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(256))
    text: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer)

    parent: Mapped[PlanSection | None] = relationship(remote_side=[id])


class PlanTask(Base):
    """A task of the plan with its 牵头单位 and 责任单位 lists."""

    __tablename__ = "plan_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("plan_documents.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("plan_sections.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(256))
    text: Mapped[str] = mapped_column(Text)
    lead_units: Mapped[list[str]] = mapped_column(JSON, default=list)
    responsible_units: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer)

    document: Mapped[PlanDocument] = relationship()
    section: Mapped[PlanSection] = relationship()


class PlanTarget(Base):
    """A numeric target: indicator, comparator, value and unit, target year, and the sentence it came from."""

    __tablename__ = "plan_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("plan_documents.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("plan_sections.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("plan_tasks.id", ondelete="CASCADE"))
    city: Mapped[str | None] = mapped_column(String(32), index=True)
    indicator: Mapped[str] = mapped_column(String(128))
    comparator: Mapped[str] = mapped_column(String(32))  # 达到 / 达到…以上 / 持续保持 / 较2020年下降 / 零增长或正增长 …
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    year: Mapped[int | None] = mapped_column(Integer)
    sentence: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)

    document: Mapped[PlanDocument] = relationship()
    section: Mapped[PlanSection | None] = relationship()
    task: Mapped[PlanTask | None] = relationship()
