"""Idempotency-Key bookkeeping (plain functions taking a session)."""
from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback_api.edge.models import IdempotencyKey

# A request still "in progress" after this long was cut off (crash, killed worker): let a retry run it.
STALE_AFTER = timedelta(minutes=5)
RETENTION = timedelta(days=7)


class Outcome(enum.Enum):
    NEW = "new"
    REPLAY = "replay"
    CONFLICT = "conflict"
    IN_PROGRESS = "in_progress"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    record_id: int | None = None
    status_code: int | None = None
    content_type: str | None = None
    body: bytes | None = None


def request_fingerprint(body: bytes, content_type: str | None) -> str:
    """sha256 of the body; JSON is canonicalised so a retry with other key order or spacing still matches."""
    if content_type and "json" in content_type:
        try:
            body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        except ValueError:
            pass
    return hashlib.sha256(body).hexdigest()


def begin(session: Session, client_scope: str, key: str, path: str, request_hash: str, now: datetime) -> Decision:
    record = IdempotencyKey(client_scope=client_scope, key=key, path=path, request_hash=request_hash, created_at=now)
    session.add(record)
    try:
        session.commit()
        return Decision(Outcome.NEW, record.id)
    except IntegrityError:
        session.rollback()
    existing = session.scalars(
        select(IdempotencyKey).where(IdempotencyKey.client_scope == client_scope, IdempotencyKey.key == key)
    ).one()
    if existing.request_hash != request_hash or existing.path != path:
        return Decision(Outcome.CONFLICT, existing.id)
    if existing.status_code is None:
        if now - existing.created_at > STALE_AFTER:
            existing.created_at = now
            session.commit()
            return Decision(Outcome.NEW, existing.id)
        return Decision(Outcome.IN_PROGRESS, existing.id)
    return Decision(Outcome.REPLAY, existing.id, existing.status_code, existing.content_type, existing.response_body)


def complete(session: Session, record_id: int, status_code: int, content_type: str | None, body: bytes,
             now: datetime) -> None:
    record = session.get(IdempotencyKey, record_id)
    if record is None:
        return
    record.status_code = status_code
    record.content_type = content_type
    record.response_body = body
    record.completed_at = now
    session.commit()


def release(session: Session, record_id: int) -> None:
    """Forget a key whose request failed on our side (5xx), so the client's retry is processed afresh."""
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == record_id))
    session.commit()


def purge_expired(session: Session, now: datetime, retention: timedelta = RETENTION) -> int:
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < now - retention))
    session.commit()
    return result.rowcount or 0
