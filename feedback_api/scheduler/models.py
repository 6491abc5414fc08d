"""One row per reminder/escalation ever issued: the unique key makes each happen exactly once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from feedback_api.orm import Base, UTCDateTime


class ScheduledNotice(Base):
    __tablename__ = "scheduled_notice"
    # A new deadline (transfer, needs_info pause) earns a new reminder; the same deadline never two.
    __table_args__ = (UniqueConstraint("feedback_code", "kind", "due_at", name="uq_scheduled_notice"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feedback_code: Mapped[str] = mapped_column(String(20), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # reminder | escalation | forward_escalation
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    agency_code: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outbox_ids: Mapped[list] = mapped_column(JSON, default=list)
