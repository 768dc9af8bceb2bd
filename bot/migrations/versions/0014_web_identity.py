"""per-client web chat counter (the web chat identity itself is a signed cookie and needs no table)

Revision ID: 0014
Revises: 0002
Create Date: 2026-12-04 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_client_minutes",
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("client", name=op.f("pk_chat_client_minutes")),
    )
    with op.batch_alter_table("chat_client_minutes", schema=None) as batch_op:
        batch_op.create_index("ix_chat_client_minutes_window_start", ["window_start"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("chat_client_minutes", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_client_minutes_window_start")
    op.drop_table("chat_client_minutes")
