"""Admin view of the outbox: pending, delivered and dead-lettered events; retry a dead one."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from common.settings import Settings
from feedback_api.deps import get_app_settings, get_session, require_role
from feedback_api.errors import ApiError
from feedback_api.orm import utcnow
from feedback_api.outbox import delivery
from feedback_api.outbox.models import OutboxEvent


class OutboxItem(BaseModel):
    id: str
    event: str
    target: str
    state: str
    feedback_code: str | None
    created_at: datetime
    delivered_at: datetime | None
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None


class OutboxPage(BaseModel):
    items: list[OutboxItem]
    total: int
    counts: dict[str, int]


def _state_filter(state: str, max_attempts: int):
    if state == "delivered":
        return OutboxEvent.delivered_at.is_not(None)
    if state == "dead":
        return and_(OutboxEvent.delivered_at.is_(None), OutboxEvent.attempts >= max_attempts)
    return and_(OutboxEvent.delivered_at.is_(None), OutboxEvent.attempts < max_attempts)


def _state_of(row: OutboxEvent, max_attempts: int) -> str:
    if row.delivered_at is not None:
        return "delivered"
    return "dead" if row.attempts >= max_attempts else "pending"


router = APIRouter(prefix="/admin/outbox", tags=["admin"])


@router.get("", response_model=OutboxPage, dependencies=[Depends(require_role("admin", "supervisor"))])
def list_outbox(
    state: Literal["pending", "dead", "delivered"] = "dead",
    limit: int = Query(50, ge=1, le=500),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_app_settings),
) -> OutboxPage:
    max_attempts = settings.outbox_max_attempts
    where = _state_filter(state, max_attempts)
    rows = session.scalars(select(OutboxEvent).where(where).order_by(OutboxEvent.created_at.desc()).limit(limit)).all()
    total = session.scalar(select(func.count()).select_from(OutboxEvent).where(where)) or 0
    counts = {
        s: session.scalar(select(func.count()).select_from(OutboxEvent).where(_state_filter(s, max_attempts))) or 0
        for s in ("pending", "dead", "delivered")
    }
    items = [
        OutboxItem(
            id=str(r.id),
            event=r.event,
            target=r.target,
            state=_state_of(r, max_attempts),
            feedback_code=(r.payload or {}).get("feedback", {}).get("code"),
            created_at=r.created_at,
            delivered_at=r.delivered_at,
            attempts=r.attempts,
            next_attempt_at=None if r.delivered_at or r.attempts >= max_attempts else r.next_attempt_at,
            last_error=r.last_error,
        )
        for r in rows
    ]
    return OutboxPage(items=items, total=total, counts=counts)


@router.post("/{event_id}/retry", dependencies=[Depends(require_role("admin"))])
def retry(event_id: uuid.UUID, session: Session = Depends(get_session)) -> dict:
    if not delivery.retry_dead(session, event_id, utcnow()):
        raise ApiError(404, "not_found", "Không tìm thấy sự kiện chưa gửi với mã này.")
    return {"id": str(event_id), "state": "pending"}
