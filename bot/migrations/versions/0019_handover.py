"""人工客服: handover conversations and staff replies; the chat log keeps the bot's answer

Revision ID: 0019
Revises: 0005
Create Date: 2026-12-05 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0005"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_table(
        "handover_conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("question", sa.String(length=500), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("assigned_to", sa.String(length=64), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_handover_conversations_resident_id", "handover_conversations", ["resident_id"])
    op.create_index("ix_handover_conversations_status_last", "handover_conversations", ["status", "last_message_at"])
    op.create_index(
        "uq_handover_conversations_open",
        "handover_conversations",
        ["resident_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_table(
        "handover_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("staff", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent", sa.Boolean(), nullable=False),
        sa.Column("result", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["handover_conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_handover_replies_conversation_id", "handover_replies", ["conversation_id"])
    with op.batch_alter_table("chat_log") as batch:
        batch.add_column(sa.Column("reply", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_log") as batch:
        batch.drop_column("reply")
    op.drop_index("ix_handover_replies_conversation_id", table_name="handover_replies")
    op.drop_table("handover_replies")
    op.drop_index("uq_handover_conversations_open", table_name="handover_conversations")
    op.drop_index("ix_handover_conversations_status_last", table_name="handover_conversations")
    op.drop_index("ix_handover_conversations_resident_id", table_name="handover_conversations")
    op.drop_table("handover_conversations")
