"""wechat: parametric QR codes per scene and the 群发 (mass send) ledger with its quota slots

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-25 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wechat_qrcodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scene", sa.String(length=64), nullable=False),
        sa.Column("permanent", sa.Boolean(), nullable=False),
        sa.Column("ticket", sa.String(length=256), nullable=False),
        sa.Column("url", sa.String(length=256), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechat_qrcodes")),
    )
    op.create_index(op.f("ix_wechat_qrcodes_scene"), "wechat_qrcodes", ["scene"], unique=False)
    op.create_table(
        "wechat_mass_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=True),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("client_msg_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("msg_id", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=256), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechat_mass_sends")),
        sa.UniqueConstraint("period", "slot", name="uq_wechat_mass_sends_period_slot"),
    )


def downgrade() -> None:
    op.drop_table("wechat_mass_sends")
    op.drop_index(op.f("ix_wechat_qrcodes_scene"), table_name="wechat_qrcodes")
    op.drop_table("wechat_qrcodes")
