"""survey responses: an index that covers the figures' version check (count, highest id, latest update per survey)

surveys.report_cache reads that version on every dashboard, 问卷与指标 page and export; with this index the database
answers it from the index alone instead of visiting every response row.

Revision ID: 0035
Revises: 0016
Create Date: 2026-12-05 08:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0035"
down_revision = "0016"  # survey verification (the latest survey_responses change)
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_survey_responses_survey_updated", "survey_responses", ["survey_id", "updated_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_survey_responses_survey_updated", table_name="survey_responses")
