"""FB-OPS tables: scheduled notices (reminders/escalations), idempotency keys, attachments.

Revision ID: 0002_ops
Revises: 0001_initial
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa

from feedback_api.orm import UTCDateTime

revision = "0002_ops"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_notice",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("feedback_code", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("agency_code", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("outbox_ids", sa.JSON(), nullable=False),
        sa.UniqueConstraint("feedback_code", "kind", "due_at", name="uq_scheduled_notice"),
    )
    op.create_index("ix_scheduled_notice_feedback_code", "scheduled_notice", ["feedback_code"])
    op.create_table(
        "idempotency_key",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client_scope", sa.String(200), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("path", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(100), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("client_scope", "key", name="uq_idempotency_key_scope_key"),
    )
    op.create_index("ix_idempotency_key_created_at", "idempotency_key", ["created_at"])
    op.create_table(
        "attachment",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("content_type", sa.String(50), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("attachment")
    op.drop_index("ix_idempotency_key_created_at", table_name="idempotency_key")
    op.drop_table("idempotency_key")
    op.drop_index("ix_scheduled_notice_feedback_code", table_name="scheduled_notice")
    op.drop_table("scheduled_notice")
