"""one resident across channels and tracked links: binding codes and their failures, staff chat identity, links

Revision ID: 0018
Revises: 0008, 0017
Create Date: 2026-12-05 04:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = ("0008", "0017")  # residents and deliveries (campaigns), staff users
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bind_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_bind_codes_resident_id_residents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bind_codes")),
    )
    op.create_index(op.f("ix_bind_codes_code_hash"), "bind_codes", ["code_hash"], unique=False)
    op.create_index(op.f("ix_bind_codes_resident_id"), "bind_codes", ["resident_id"], unique=False)
    op.create_table(
        "bind_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("who", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bind_failures")),
    )
    op.create_index("ix_bind_failures_who_at", "bind_failures", ["who", "at"], unique=False)
    op.create_index("ix_bind_failures_at", "bind_failures", ["at"], unique=False)
    op.create_table(
        "tracked_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=512), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("clicked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("click_channel", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_tracked_links_campaign_id_campaigns"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"], ["deliveries.id"], name=op.f("fk_tracked_links_delivery_id_deliveries"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracked_links")),
        sa.UniqueConstraint("delivery_id", "url", name="uq_tracked_links_delivery_url"),
        sa.UniqueConstraint("token", name=op.f("uq_tracked_links_token")),
    )
    op.create_index(op.f("ix_tracked_links_campaign_id"), "tracked_links", ["campaign_id"], unique=False)
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("chat_identity", sa.String(length=160), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("chat_identity")
    op.drop_index(op.f("ix_tracked_links_campaign_id"), table_name="tracked_links")
    op.drop_table("tracked_links")
    op.drop_index("ix_bind_failures_at", table_name="bind_failures")
    op.drop_index("ix_bind_failures_who_at", table_name="bind_failures")
    op.drop_table("bind_failures")
    op.drop_index(op.f("ix_bind_codes_resident_id"), table_name="bind_codes")
    op.drop_index(op.f("ix_bind_codes_code_hash"), table_name="bind_codes")
    op.drop_table("bind_codes")
