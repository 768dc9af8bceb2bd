"""wechat tables: inbound deliveries (dedupe, stored reply) and customer-service windows

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wechat_inbound",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("openid", sa.String(length=128), nullable=False),
        sa.Column("msg_type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reply_text", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechat_inbound")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_wechat_inbound_dedupe_key")),
    )
    op.create_index(op.f("ix_wechat_inbound_openid"), "wechat_inbound", ["openid"], unique=False)
    op.create_index(op.f("ix_wechat_inbound_received_at"), "wechat_inbound", ["received_at"], unique=False)
    op.create_table(
        "wechat_windows",
        sa.Column("openid", sa.String(length=128), nullable=False),
        sa.Column("message_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_sent", sa.Integer(), nullable=False),
        sa.Column("event_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("event_sent", sa.Integer(), nullable=False),
        sa.Column("unfollowed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("openid", name=op.f("pk_wechat_windows")),
    )


def downgrade() -> None:
    op.drop_table("wechat_windows")
    op.drop_index(op.f("ix_wechat_inbound_received_at"), table_name="wechat_inbound")
    op.drop_index(op.f("ix_wechat_inbound_openid"), table_name="wechat_inbound")
    op.drop_table("wechat_inbound")
