"""Reminders to the owning agency N working days before the answer is due, and escalation of overdue
open items to supervisors. Each notice is one `scheduled_notice` row (unique per item, kind and
deadline) written in the same transaction as its outbox events: issued exactly once, never lost.

While an item waits for the citizen (needs_info) its clock is paused, so it gets neither.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback_api.feedback import sla
from feedback_api.feedback.lifecycle import OPEN_STATUSES, Status
from feedback_api.feedback.models import Feedback
from feedback_api.feedback.workdays import WorkCalendar, calendar_from_settings
from feedback_api.outbox.enqueue import enqueue
from feedback_api.scheduler.models import ScheduledNotice

log = logging.getLogger(__name__)

REMINDER = "reminder"
ESCALATION = "escalation"
FORWARD_OVERDUE = "forward_overdue"
EVENT_OF_KIND = {REMINDER: "feedback.reminder", ESCALATION: "feedback.escalated", FORWARD_OVERDUE: "feedback.escalated"}
# Where the item still sits with the coordinating office, waiting to be forwarded.
AT_COORDINATOR = frozenset({Status.received, Status.returned})
CLOCK_RUNNING = frozenset(OPEN_STATUSES) - {Status.needs_info}


@dataclass(frozen=True)
class NoticeDue:
    feedback_code: str
    kind: str
    due_at: datetime


def notices_due(item, now: datetime, days_before: int, calendar: WorkCalendar) -> list[NoticeDue]:
    """Which notices an item deserves at `now` (pure: no database)."""
    if item.status not in CLOCK_RUNNING:
        return []
    due: list[NoticeDue] = []
    if item.due_at is not None:
        if sla.is_overdue(item.due_at, now):
            due.append(NoticeDue(item.code, ESCALATION, item.due_at))
        elif days_before > 0 and sla.reminder_due(item.due_at, days_before, calendar) <= now:
            due.append(NoticeDue(item.code, REMINDER, item.due_at))
    if item.status in AT_COORDINATOR and item.forward_due_at is not None and sla.is_overdue(item.forward_due_at, now):
        due.append(NoticeDue(item.code, FORWARD_OVERDUE, item.forward_due_at))
    return due


def _notice_payload(notice: NoticeDue, settings) -> dict:
    return {
        "kind": notice.kind,
        "deadline": notice.due_at.isoformat(),
        "remind_days_before": settings.remind_days_before if notice.kind == REMINDER else None,
        # Who should act: the owning agency for a reminder, supervisors for an escalation.
        "audience": "agency" if notice.kind == REMINDER else "supervisors",
    }


def _issue(session: Session, item, notice: NoticeDue, now: datetime, settings) -> ScheduledNotice:
    # enqueue sends these to the configured webhooks only: the bot is for citizens.
    rows = enqueue(
        session,
        EVENT_OF_KIND[notice.kind],
        item,
        settings,
        occurred_at=now,
        extra={"notice": _notice_payload(notice, settings)},
    )
    record = ScheduledNotice(
        feedback_code=notice.feedback_code,
        kind=notice.kind,
        due_at=notice.due_at,
        agency_code=item.agency_code,
        created_at=now,
        outbox_ids=[str(r.id) for r in rows],
    )
    session.add(record)
    return record


def run_pass(session: Session, settings, now: datetime, calendar: WorkCalendar | None = None) -> list[ScheduledNotice]:
    """Issue every notice that is due and not yet issued; returns the new ones (committed)."""
    calendar = calendar or calendar_from_settings(settings)
    items = session.scalars(select(Feedback).where(Feedback.status.in_([s.value for s in CLOCK_RUNNING]))).all()
    wanted = [(item, n) for item in items for n in notices_due(item, now, settings.remind_days_before, calendar)]
    if not wanted:
        return []
    codes = {n.feedback_code for _, n in wanted}
    existing = {
        (r.feedback_code, r.kind, r.due_at)
        for r in session.scalars(select(ScheduledNotice).where(ScheduledNotice.feedback_code.in_(codes)))
    }
    issued: list[ScheduledNotice] = []
    for item, notice in wanted:
        if (notice.feedback_code, notice.kind, notice.due_at) in existing:
            continue
        try:
            with session.begin_nested():
                record = _issue(session, item, notice, now, settings)
            issued.append(record)
        except IntegrityError:
            # Another worker issued it first: the unique key did its job.
            log.info("notice %s/%s already issued elsewhere", notice.feedback_code, notice.kind)
    session.commit()
    return issued
