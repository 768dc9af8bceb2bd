"""survey tables: responses and answers

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("wave", sa.String(length=32), nullable=False),
        sa.Column("respondent_key", sa.String(length=64), nullable=True),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("current_question", sa.String(length=64), nullable=True),
        sa.Column("reasks", sa.Integer(), nullable=False),
        sa.Column("last_message_key", sa.String(length=64), nullable=True),
        sa.Column("township", sa.String(length=64), nullable=True),
        sa.Column("age_band", sa.String(length=64), nullable=True),
        sa.Column("identity", sa.String(length=64), nullable=True),
        sa.Column("import_batch", sa.String(length=64), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_survey_responses_resident_id_residents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint("survey_id", "version", "wave", "respondent_key", name="uq_survey_responses_respondent"),
    )
    op.create_index(op.f("ix_survey_responses_respondent_key"), "survey_responses", ["respondent_key"], unique=False)
    op.create_index(op.f("ix_survey_responses_resident_id"), "survey_responses", ["resident_id"], unique=False)
    op.create_index(
        "ix_survey_responses_survey_status", "survey_responses", ["survey_id", "wave", "status"], unique=False
    )
    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["survey_responses.id"],
            name=op.f("fk_survey_answers_response_id_survey_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answers")),
    )
    op.create_index(op.f("ix_survey_answers_response_id"), "survey_answers", ["response_id"], unique=False)
    op.create_index(
        "ix_survey_answers_question_response", "survey_answers", ["question_id", "response_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("survey_answers")
    op.drop_table("survey_responses")
