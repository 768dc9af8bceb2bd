"""plan tables: documents, sections, tasks, targets

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city", sa.String(length=32), nullable=True),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("doc_no", sa.String(length=64), nullable=True),
        sa.Column("issuer", sa.String(length=128), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("source_name", sa.String(length=256), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_documents")),
    )
    op.create_index(op.f("ix_plan_documents_city"), "plan_documents", ["city"], unique=False)
    op.create_index(op.f("ix_plan_documents_content_hash"), "plan_documents", ["content_hash"], unique=False)
    op.create_table(
        "plan_sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["plan_documents.id"],
            name=op.f("fk_plan_sections_document_id_plan_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["plan_sections.id"],
            name=op.f("fk_plan_sections_parent_id_plan_sections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_sections")),
    )
    op.create_index(op.f("ix_plan_sections_document_id"), "plan_sections", ["document_id"], unique=False)
    op.create_table(
        "plan_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lead_units", sa.JSON(), nullable=False),
        sa.Column("responsible_units", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["plan_documents.id"],
            name=op.f("fk_plan_tasks_document_id_plan_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["plan_sections.id"],
            name=op.f("fk_plan_tasks_section_id_plan_sections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_tasks")),
    )
    op.create_index(op.f("ix_plan_tasks_document_id"), "plan_tasks", ["document_id"], unique=False)
    op.create_index(op.f("ix_plan_tasks_section_id"), "plan_tasks", ["section_id"], unique=False)
    op.create_table(
        "plan_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("city", sa.String(length=32), nullable=True),
        sa.Column("indicator", sa.String(length=128), nullable=False),
        sa.Column("comparator", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["plan_documents.id"],
            name=op.f("fk_plan_targets_document_id_plan_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["plan_sections.id"],
            name=op.f("fk_plan_targets_section_id_plan_sections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["plan_tasks.id"], name=op.f("fk_plan_targets_task_id_plan_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_targets")),
    )
    op.create_index(op.f("ix_plan_targets_city"), "plan_targets", ["city"], unique=False)
    op.create_index(op.f("ix_plan_targets_document_id"), "plan_targets", ["document_id"], unique=False)
    op.create_index(op.f("ix_plan_targets_section_id"), "plan_targets", ["section_id"], unique=False)


def downgrade() -> None:
    op.drop_table("plan_targets")
    op.drop_table("plan_tasks")
    op.drop_table("plan_sections")
    op.drop_table("plan_documents")
