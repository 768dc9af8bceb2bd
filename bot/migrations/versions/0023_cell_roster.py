"""无废细胞 resident lists: who is expected in a cell (to see who has not yet joined)

Revision ID: 0023
Revises: 0005
Create Date: 2026-12-05 05:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0005"  # cells
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cell_roster",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cell_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("external_id", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cell_id"], ["cells.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cell_roster_cell_name", "cell_roster", ["cell_id", "name"])


def downgrade() -> None:
    op.drop_index("ix_cell_roster_cell_name", table_name="cell_roster")
    op.drop_table("cell_roster")
