"""telegram tables: chats, send log, rate state, answered keyboards

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "telegram_chats",
        sa.Column("chat_id", sa.String(length=32), nullable=False),
        sa.Column("chat_type", sa.String(length=16), nullable=True),
        sa.Column("blocked", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("reason", sa.String(length=256), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_telegram_chats")),
    )
    op.create_table(
        "telegram_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.String(length=32), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telegram_sends")),
    )
    op.create_index("ix_telegram_sends_sent_at", "telegram_sends", ["sent_at"], unique=False)
    op.create_index("ix_telegram_sends_chat_sent_at", "telegram_sends", ["chat_id", "sent_at"], unique=False)
    op.create_table(
        "telegram_rate_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telegram_rate_state")),
    )
    op.create_table(
        "telegram_answered_keyboards",
        sa.Column("chat_id", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "message_id", name=op.f("pk_telegram_answered_keyboards")),
    )


def downgrade() -> None:
    op.drop_table("telegram_answered_keyboards")
    op.drop_table("telegram_rate_state")
    op.drop_index("ix_telegram_sends_chat_sent_at", table_name="telegram_sends")
    op.drop_index("ix_telegram_sends_sent_at", table_name="telegram_sends")
    op.drop_table("telegram_sends")
    op.drop_table("telegram_chats")
