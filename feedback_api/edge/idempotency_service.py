"""Idempotency-Key bookkeeping (plain functions taking a session, or a Connection: the middleware's hot path)."""
from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
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


def _insert_new(session: Session, values: dict) -> int | None:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id: the new row's id, or None when the key exists.

    Core statements rather than ORM units of work: this runs twice per keyed intake, on the hot path
    (built once per dialect, so SQLAlchemy's compiled cache is hit without rebuilding the statement).
    """
    dialect = session.dialect if isinstance(session, Connection) else session.get_bind().dialect
    statement = _INSERT_NEW["postgresql" if dialect.name == "postgresql" else "sqlite"]
    return session.execute(statement, values).scalar_one_or_none()


def _insert_if_absent(insert):
    table = IdempotencyKey.__table__
    return insert(table).on_conflict_do_nothing(index_elements=["client_scope", "key"]).returning(table.c.id)


_INSERT_NEW = {"postgresql": _insert_if_absent(pg_insert), "sqlite": _insert_if_absent(sqlite_insert)}


def begin(session: Session, client_scope: str, key: str, path: str, request_hash: str, now: datetime) -> Decision:
    table = IdempotencyKey.__table__
    new_id = _insert_new(session, {"client_scope": client_scope, "key": key, "path": path,
                                   "request_hash": request_hash, "created_at": now})
    if new_id is not None:
        session.commit()
        return Decision(Outcome.NEW, new_id)
    existing = session.execute(
        select(table.c.id, table.c.path, table.c.request_hash, table.c.status_code, table.c.content_type,
               table.c.response_body, table.c.created_at)
        .where(table.c.client_scope == client_scope, table.c.key == key)
    ).one()
    if existing.request_hash != request_hash or existing.path != path:
        session.rollback()
        return Decision(Outcome.CONFLICT, existing.id)
    if existing.status_code is None:
        # A request still "in progress" after STALE_AFTER was cut off (crash): let this retry run it.
        taken = session.execute(
            update(table).where(table.c.id == existing.id, table.c.status_code.is_(None),
                                table.c.created_at == existing.created_at,
                                table.c.created_at < now - STALE_AFTER)
            .values(created_at=now)
        ).rowcount
        session.commit()
        return Decision(Outcome.NEW if taken else Outcome.IN_PROGRESS, existing.id)
    session.rollback()
    return Decision(Outcome.REPLAY, existing.id, existing.status_code, existing.content_type, existing.response_body)


def complete(session: Session, record_id: int, status_code: int, content_type: str | None, body: bytes,
             now: datetime) -> None:
    table = IdempotencyKey.__table__
    session.execute(update(table).where(table.c.id == record_id).values(
        status_code=status_code, content_type=content_type, response_body=body, completed_at=now))
    session.commit()


def release(session: Session, record_id: int) -> None:
    """Forget a key whose request failed on our side (5xx), so the client's retry is processed afresh."""
    session.execute(delete(IdempotencyKey.__table__).where(IdempotencyKey.__table__.c.id == record_id))
    session.commit()


def purge_expired(session: Session, now: datetime, retention: timedelta = RETENTION) -> int:
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < now - retention))
    session.commit()
    return result.rowcount or 0
