"""survey responses: drop the index of 0035 again — measured, it did not make the figures' version check cheaper

Same run, 1,000,000 responses (bench/indicators_bench.py --version-only): SQLite 0.219 s with it vs 0.205 s without,
PostgreSQL 0.133 s vs 0.094 s. The count over the survey's responses dominates either way; the index only cost writes.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-05 08:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_survey_responses_survey_updated", table_name="survey_responses")


def downgrade() -> None:
    op.create_index("ix_survey_responses_survey_updated", "survey_responses", ["survey_id", "updated_at", "id"])
