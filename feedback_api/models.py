"""The models registry: every table of the feedback service, so `metadata` is complete wherever it is
used (Alembic, the autogenerate check, `owns_name`). Import models from here or from their domain."""

from __future__ import annotations

from feedback_api.attachments.models import Attachment
from feedback_api.auth.models import User
from feedback_api.edge.guard_models import AccessGuard, SecurityEvent
from feedback_api.edge.models import IdempotencyKey
from feedback_api.feedback.models import AuditEvent, CodeSequence, Feedback
from feedback_api.orm import Base
from feedback_api.outbox.models import OutboxEvent
from feedback_api.scheduler.models import ScheduledNotice

metadata = Base.metadata

__all__ = [
    "AccessGuard",
    "Attachment",
    "SecurityEvent",
    "AuditEvent",
    "CodeSequence",
    "Feedback",
    "IdempotencyKey",
    "OutboxEvent",
    "ScheduledNotice",
    "User",
    "metadata",
]
