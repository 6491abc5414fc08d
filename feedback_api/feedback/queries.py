"""Reading items: labels, overdue test, the phone check, timelines and the staff list."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from feedback_api.auth import permissions
from feedback_api.domain import Forbidden
from feedback_api.feedback import lifecycle, sla
from feedback_api.feedback.context import Actor
from feedback_api.feedback.lifecycle import Status
from feedback_api.feedback.models import AuditEvent, Feedback
from feedback_api.orm import utcnow

# Statuses in which the answer clock runs (needs_info pauses it).
CLOCK_RUNNING = frozenset(lifecycle.OPEN_STATUSES) - {Status.needs_info}


def status_label(status: str) -> str:
    try:
        return lifecycle.STATUS_LABELS[Status(status)]
    except (ValueError, KeyError):
        return status


def is_overdue(item: Feedback, now: datetime | None = None) -> bool:
    """Still owed an answer (clock running) and past its answer deadline."""
    return item.status in CLOCK_RUNNING and sla.is_overdue(item.due_at, now or utcnow())


def phone_last4_matches(item: Feedback, last4: str | None) -> bool:
    if not last4 or not item.contact_phone:
        return False
    digits = "".join(ch for ch in item.contact_phone if ch.isdigit())
    return len(digits) >= 4 and digits[-4:] == last4


def timeline(session: Session, item: Feedback) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.feedback_id == item.id).order_by(AuditEvent.id)))


def list_items(session: Session, actor: Actor, *, status: str | None = None, agency: str | None = None,
               overdue: bool | None = None, channel: str | None = None, chat_id: str | None = None,
               page: int = 1, size: int = 20, now: datetime | None = None) -> tuple[list[Feedback], int]:
    now = now or utcnow()
    scope = permissions.scope(actor.role, permissions.Extra.list_items) if actor.role else None
    if scope is None:
        raise Forbidden()
    conditions = []
    if scope == permissions.Scope.OWN_AGENCY:
        if agency and agency != actor.agency:
            raise Forbidden("Bạn chỉ xem được phản ánh của cơ quan mình.", "other_agency")
        conditions.append(Feedback.agency_code == actor.agency)
    elif agency:
        conditions.append(Feedback.agency_code == agency)
    if status:
        conditions.append(Feedback.status == status)
    if channel:
        conditions.append(Feedback.reply_channel == channel if chat_id else Feedback.channel == channel)
    if chat_id:
        conditions.append(Feedback.reply_chat_id == chat_id)
    if overdue is not None:
        late = and_(Feedback.status.in_([str(s) for s in CLOCK_RUNNING]), Feedback.due_at < now)
        conditions.append(late if overdue else ~late)
    where = and_(*conditions) if conditions else None
    query = select(Feedback)
    count = select(func.count()).select_from(Feedback)
    if where is not None:
        query, count = query.where(where), count.where(where)
    total = session.scalar(count) or 0
    rows = session.scalars(query.order_by(Feedback.id.desc()).offset((page - 1) * size).limit(size))
    return list(rows), total
