"""login throttle: failures per client address, and the devices users have logged in from

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_clients",
        sa.Column("client_key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("strikes", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_key", name=op.f("pk_login_clients")),
    )
    op.create_index(op.f("ix_login_clients_updated_at"), "login_clients", ["updated_at"], unique=False)
    op.create_table(
        "staff_devices",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_users.id"], name=op.f("fk_staff_devices_user_id_staff_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_staff_devices")),
    )
    op.create_index(op.f("ix_staff_devices_user_id"), "staff_devices", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_staff_devices_user_id"), table_name="staff_devices")
    op.drop_table("staff_devices")
    op.drop_index(op.f("ix_login_clients_updated_at"), table_name="login_clients")
    op.drop_table("login_clients")
