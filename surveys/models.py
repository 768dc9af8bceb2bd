"""Survey tables: one response per respondent per survey wave, and its answers one row per chosen value.

Answers are rows (not a JSON blob) so that the indicators are a GROUP BY in the database, whatever the size.
The demographic answers used for breakdowns and weighting (township, age band, identity) are copied onto the
response when given, so a breakdown needs no second join.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, PrimaryKeyConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, UTCDateTime

IN_PROGRESS = "in_progress"
COMPLETED = "completed"
STOPPED = "stopped"  # the respondent said 退出; partial answers kept
EXPIRED = "expired"  # no answer for too long; partial answers kept
STATUSES = (IN_PROGRESS, COMPLETED, STOPPED, EXPIRED)
DIMENSIONS = ("township", "age_band", "identity")


class SurveyResponse(Base):
    """One respondent's (possibly partial) answers to one survey wave; also the chat progress of that respondent."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("survey_id", "version", "wave", "respondent_key", name="uq_survey_responses_respondent"),
        Index("ix_survey_responses_survey_status", "survey_id", "wave", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    wave: Mapped[str] = mapped_column(String(32))
    # salted one-way key of the respondent (chat resident or web visitor); None for imported rows
    respondent_key: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    # None in anonymous mode and for imports
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), default=None, index=True
    )
    source: Mapped[str] = mapped_column(String(16))  # chat | web | import | link
    # web form only: how the respondent proved something (code | pass), or "unverified"; None for other sources
    verification: Mapped[str | None] = mapped_column(String(16), default=None)
    channel: Mapped[str | None] = mapped_column(String(16), default=None)
    status: Mapped[str] = mapped_column(String(16), default=IN_PROGRESS)
    current_question: Mapped[str | None] = mapped_column(String(64), default=None)
    reasks: Mapped[int] = mapped_column(Integer, default=0)
    last_message_key: Mapped[str | None] = mapped_column(String(64), default=None)
    township: Mapped[str | None] = mapped_column(String(64), default=None)
    age_band: Mapped[str | None] = mapped_column(String(64), default=None)
    identity: Mapped[str | None] = mapped_column(String(64), default=None)
    import_batch: Mapped[str | None] = mapped_column(String(64), default=None)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)

    answers: Mapped[list[SurveyAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )


class SurveyAnswer(Base):
    """One value of one answer: an option code (one row per chosen option), a number or a free text."""

    __tablename__ = "survey_answers"
    __table_args__ = (Index("ix_survey_answers_question_response", "question_id", "response_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")


class SurveyLink(Base):
    """A personal link /s/<token> to one survey wave for one resident; only a hash of the token is stored.

    Links of campaign pushes are derived from the delivery (see surveys.links) and stored when first opened;
    expires_at, wave and used_at are fixed here, so a link works once and only for its wave.
    """

    __tablename__ = "survey_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    survey_id: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    wave: Mapped[str] = mapped_column(String(32))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    delivery_id: Mapped[int | None] = mapped_column(Integer, default=None)  # the campaign push that carried it
    response_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class SurveyCode(Base):
    """A one-time code the bot gave a resident (问卷验证码) to prove a web-form answer; only a hash is stored."""

    __tablename__ = "survey_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class SurveyPass(Base):
    """A link printed as a QR code for one 无废细胞 or event: /survey/<id>?pass=<token>, good for `max_uses` answers."""

    __tablename__ = "survey_passes"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    survey_id: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(128))  # the cell or event it was printed for
    max_uses: Mapped[int] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class SurveyFormClient(Base):
    """Unproved web-form posts of one client address to one survey in the current hour, and how often it was refused."""

    __tablename__ = "survey_form_clients"
    __table_args__ = (PrimaryKeyConstraint("client", "survey_id"),)

    client: Mapped[str] = mapped_column(String(64))
    survey_id: Mapped[str] = mapped_column(String(32))
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    posts: Mapped[int] = mapped_column(Integer)
    refused: Mapped[int] = mapped_column(Integer, default=0)  # 429s since first seen (not reset each hour)
    last_refused_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
