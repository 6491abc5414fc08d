"""GET /api/v1/notices: reminders and escalations issued by the scheduler, for staff screens.

Webhooks carry them to outside channels; this list makes them visible even where none is configured.
Staff see their own agency's; operators, supervisors and admins see all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_api.auth.models import User
from feedback_api.deps import get_session, require_role
from feedback_api.scheduler.models import ScheduledNotice

router = APIRouter(tags=["notices"])


class NoticeRead(BaseModel):
    feedback_code: str
    kind: str
    deadline: datetime
    agency: str
    issued_at: datetime


@router.get("/notices", response_model=list[NoticeRead])
def list_notices(
    kind: Literal["reminder", "escalation", "forward_overdue"] | None = None,
    agency: str | None = Query(None, max_length=64),
    limit: int = Query(100, ge=1, le=1000),
    session: Session = Depends(get_session),
    user: User = Depends(require_role("operator", "staff", "supervisor", "admin")),
) -> list[NoticeRead]:
    query = select(ScheduledNotice)
    if user.role == "staff":
        agency = user.agency_code
    if agency:
        query = query.where(ScheduledNotice.agency_code == agency)
    if kind:
        query = query.where(ScheduledNotice.kind == kind)
    rows = session.scalars(query.order_by(ScheduledNotice.created_at.desc(), ScheduledNotice.id.desc()).limit(limit))
    return [
        NoticeRead(
            feedback_code=r.feedback_code, kind=r.kind, deadline=r.due_at, agency=r.agency_code, issued_at=r.created_at
        )
        for r in rows
    ]
