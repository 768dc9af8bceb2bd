"""survey verification: how a web answer was proved, one-time codes, QR passes, the per-client form counter

Open web-form answers stored before this revision are marked "unverified": nothing tied them to a respondent.

Revision ID: 0016
Revises: 0009
Create Date: 2026-12-04 18:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verification", sa.String(length=16), nullable=True))
    op.execute("UPDATE survey_responses SET verification = 'unverified' WHERE source = 'web'")
    op.create_table(
        "survey_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_survey_codes_resident_id_residents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_codes")),
    )
    op.create_index(op.f("ix_survey_codes_code_hash"), "survey_codes", ["code_hash"], unique=False)
    op.create_index(op.f("ix_survey_codes_resident_id"), "survey_codes", ["resident_id"], unique=False)
    op.create_table(
        "survey_passes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("survey_id", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_passes")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_survey_passes_token_hash")),
    )
    op.create_table(
        "survey_form_clients",
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("survey_id", sa.String(length=32), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("last_refused_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("client", "survey_id", name=op.f("pk_survey_form_clients")),
    )
    op.create_index(op.f("ix_survey_form_clients_window_start"), "survey_form_clients", ["window_start"], unique=False)


def downgrade() -> None:
    op.drop_table("survey_form_clients")
    op.drop_table("survey_passes")
    op.drop_table("survey_codes")
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_column("verification")
