"""chat_log index by resident and time, for the per-resident chat rate limit

Revision ID: 0010
Revises: 0002
Create Date: 2026-11-26 10:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chat_log", schema=None) as batch_op:
        batch_op.create_index("ix_chat_log_resident_created", ["resident_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("chat_log", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_log_resident_created")
