"""campaigns: resident profile and consent, cells, segments, campaigns, runs, delivery ledger, web outbox

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("residents") as batch:
        batch.add_column(sa.Column("community", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("age_band", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("push_consent", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("consent_at", TS, nullable=True))
        batch.add_column(sa.Column("status_reason", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("status_at", TS, nullable=True))
    op.create_table(
        "resident_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=True),
        sa.Column("at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_resident_events_resident_id_residents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_events")),
    )
    op.create_index("ix_resident_events_kind_at", "resident_events", ["kind", "at"], unique=False)
    op.create_index(op.f("ix_resident_events_resident_id"), "resident_events", ["resident_id"], unique=False)
    op.create_table(
        "cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("township", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_at", TS, nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("contact_name", sa.String(length=64), nullable=True),
        sa.Column("contact_phone", sa.String(length=32), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cells")),
        sa.UniqueConstraint("name", "township", name="uq_cells_name_township"),
    )
    op.create_table(
        "cell_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cell_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("joined_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["cell_id"], ["cells.id"], name=op.f("fk_cell_members_cell_id_cells"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_cell_members_resident_id_residents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cell_members")),
        sa.UniqueConstraint("cell_id", "resident_id", name="uq_cell_members_cell_resident"),
    )
    op.create_index(op.f("ix_cell_members_cell_id"), "cell_members", ["cell_id"], unique=False)
    op.create_index(op.f("ix_cell_members_resident_id"), "cell_members", ["resident_id"], unique=False)
    op.create_table(
        "segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segments")),
        sa.UniqueConstraint("name", name=op.f("uq_segments_name")),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=512), nullable=True),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=True),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("schedule_kind", sa.String(length=16), nullable=False),
        sa.Column("schedule_expr", sa.String(length=64), nullable=False),
        sa.Column("send_time", sa.String(length=5), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("state_reason", sa.String(length=256), nullable=True),
        sa.Column("next_run_at", TS, nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["segment_id"], ["segments.id"], name=op.f("fk_campaigns_segment_id_segments"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_index(op.f("ix_campaigns_state"), "campaigns", ["state"], unique=False)
    op.create_table(
        "campaign_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("deadline", TS, nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_runs_campaign_id_campaigns"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_runs")),
        sa.UniqueConstraint("campaign_id", "due_at", name="uq_campaign_runs_campaign_due"),
    )
    op.create_index(op.f("ix_campaign_runs_campaign_id"), "campaign_runs", ["campaign_id"], unique=False)
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("external_id", sa.String(length=128), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.String(length=256), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=True),
        sa.Column("claim_token", sa.String(length=36), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", TS, nullable=True),
        sa.Column("provider_id", sa.String(length=128), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_deliveries_campaign_id_campaigns"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["campaign_runs.id"], name=op.f("fk_deliveries_run_id_campaign_runs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_deliveries_resident_id_residents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("run_id", "resident_id", name="uq_deliveries_run_resident"),
    )
    op.create_index("ix_deliveries_campaign_state", "deliveries", ["campaign_id", "state"], unique=False)
    op.create_index("ix_deliveries_state_next", "deliveries", ["state", "next_attempt_at"], unique=False)
    op.create_index(op.f("ix_deliveries_claim_token"), "deliveries", ["claim_token"], unique=False)
    op.create_index(op.f("ix_deliveries_resident_id"), "deliveries", ["resident_id"], unique=False)
    op.create_table(
        "web_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_outbox")),
        sa.UniqueConstraint("delivery_id", name=op.f("uq_web_outbox_delivery_id")),
    )
    op.create_index("ix_web_outbox_user_id", "web_outbox", ["external_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_table("web_outbox")
    op.drop_table("deliveries")
    op.drop_table("campaign_runs")
    op.drop_table("campaigns")
    op.drop_table("segments")
    op.drop_table("cell_members")
    op.drop_table("cells")
    op.drop_table("resident_events")
    with op.batch_alter_table("residents") as batch:
        for column in ("status_at", "status_reason", "consent_at", "push_consent", "age_band", "community"):
            batch.drop_column(column)
