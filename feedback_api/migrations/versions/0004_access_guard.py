"""Access guard: failed-attempt counters and security events; attachments remember their uploader.

Revision ID: 0004_access_guard
Revises: 0003_code_sequence
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

from feedback_api.orm import UTCDateTime

revision = "0004_access_guard"
down_revision = "0003_code_sequence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_guard",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("window_started_at", UTCDateTime(), nullable=True),
        sa.Column("lockouts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "security_event",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("client", sa.String(32), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
    )
    op.create_index("ix_security_event_at", "security_event", ["at"])
    op.create_index("ix_security_event_subject", "security_event", ["subject"])
    with op.batch_alter_table("attachment") as batch:
        batch.add_column(sa.Column("uploader", sa.String(32), nullable=True))
        batch.add_column(sa.Column("linked_at", UTCDateTime(), nullable=True))
    op.create_index("ix_attachment_uploader_created", "attachment", ["uploader", "created_at"])
    op.create_index("ix_attachment_created_at", "attachment", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_attachment_created_at", table_name="attachment")
    op.drop_index("ix_attachment_uploader_created", table_name="attachment")
    with op.batch_alter_table("attachment") as batch:
        batch.drop_column("linked_at")
        batch.drop_column("uploader")
    op.drop_index("ix_security_event_subject", table_name="security_event")
    op.drop_index("ix_security_event_at", table_name="security_event")
    op.drop_table("security_event")
    op.drop_table("access_guard")
