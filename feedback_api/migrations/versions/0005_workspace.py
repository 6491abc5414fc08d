"""Officers' workspace: item assignee and reopening time, read marks, internal notes, answer templates,
citizen satisfaction.

Revision ID: 0005_workspace
Revises: 0004_access_guard
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

from feedback_api.orm import UTCDateTime

revision = "0005_workspace"
down_revision = "0004_access_guard"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("assignee", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("reopened_at", UTCDateTime(), nullable=True))
        batch.create_index("ix_feedback_assignee", ["assignee"])
    op.create_table(
        "feedback_note",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("feedback_id", sa.Integer(), sa.ForeignKey("feedback.id"), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_feedback_note_feedback_id", "feedback_note", ["feedback_id"])
    op.create_table(
        "feedback_read",
        sa.Column("feedback_id", sa.Integer(), sa.ForeignKey("feedback.id"), primary_key=True),
        sa.Column("username", sa.String(length=100), primary_key=True),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "answer_template",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("agency_code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_answer_template_agency_code", "answer_template", ["agency_code"])
    op.create_table(
        "feedback_satisfaction",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("feedback_id", sa.Integer(), sa.ForeignKey("feedback.id"), nullable=False),
        sa.Column("agency_code", sa.String(length=64), nullable=False),
        sa.Column("satisfied", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_feedback_satisfaction_feedback_id", "feedback_satisfaction", ["feedback_id"])
    op.create_index("ix_feedback_satisfaction_agency_code", "feedback_satisfaction", ["agency_code"])
    op.create_index("ix_feedback_satisfaction_at", "feedback_satisfaction", ["at"])


def downgrade() -> None:
    op.drop_table("feedback_satisfaction")
    op.drop_table("answer_template")
    op.drop_table("feedback_read")
    op.drop_table("feedback_note")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_index("ix_feedback_assignee")
        batch.drop_column("reopened_at")
        batch.drop_column("assignee")
