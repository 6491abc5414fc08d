"""Tables of the feedback (PAKN) domain: the item, its append-only audit trail, the code counter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from feedback_api.orm import Base, UTCDateTime, utcnow


class Feedback(Base):
    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("year", "seq", name="uq_feedback_year_seq"),
        Index("ix_feedback_reply", "reply_channel", "reply_chat_id"),
        Index("ix_feedback_agency_status", "agency_code", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(String(500))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    reply_channel: Mapped[str | None] = mapped_column(String(20))
    reply_chat_id: Mapped[str | None] = mapped_column(String(128))
    publish_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    public_interest: Mapped[bool] = mapped_column(Boolean, default=False)
    public_interest_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    agency_code: Mapped[str] = mapped_column(String(64), index=True)
    routing_reason: Mapped[str] = mapped_column(Text, default="")
    routing_rule: Mapped[str | None] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    forward_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    question: Mapped[str | None] = mapped_column(Text)  # last request_info question to the citizen
    guidance: Mapped[str | None] = mapped_column(Text)  # where to go instead (rejected items)
    answer: Mapped[str | None] = mapped_column(Text)
    published_text: Mapped[str | None] = mapped_column(Text)  # redacted answer as published
    public_content: Mapped[str | None] = mapped_column(Text)  # redacted content, set at publication
    search_text: Mapped[str | None] = mapped_column(Text)  # folded public text for public search
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    merged_into: Mapped[str | None] = mapped_column(String(20))
    # The officer of the owning agency who took the item (username); cleared when the agency changes.
    assignee: Mapped[str | None] = mapped_column(String(100), index=True)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # last "không hài lòng" reopening
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class AuditEvent(Base):
    """One row per change of an item; never updated or deleted (figures are recomputed from it)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id"), index=True)
    feedback_code: Mapped[str] = mapped_column(String(20), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    agency_code: Mapped[str] = mapped_column(String(64))  # owning agency after the event
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # answer due after the event
    kind: Mapped[str] = mapped_column(String(20))  # the item's kind (complaint | recommendation)
    reason: Mapped[str | None] = mapped_column(Text)


class InternalNote(Base):
    """A note between officers about an item: never published, never shown to the citizen."""

    __tablename__ = "feedback_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id"), index=True)
    author: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReadMark(Base):
    """When an officer last opened an item: newer changes make it unread for them."""

    __tablename__ = "feedback_read"

    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AnswerTemplate(Base):
    """A reusable answer wording of one agency."""

    __tablename__ = "answer_template"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agency_code: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Satisfaction(Base):
    """The citizen's rating of one answer (the audit has the same fact as action satisfied/unsatisfied)."""

    __tablename__ = "feedback_satisfaction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(64), index=True)  # the agency whose answer was rated
    satisfied: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class CodeSequence(Base):
    """Last tracking-code sequence number issued per year (row-locked while issuing)."""

    __tablename__ = "code_sequence"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class AppendOnlyViolation(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _audit_is_append_only(session: Session, _context, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyViolation("audit_event rows are append-only")
