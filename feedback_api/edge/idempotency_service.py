"""Idempotency-Key bookkeeping (plain functions taking a session, or a Connection: the middleware's hot path).

A key is stored once, in the transaction that stores the item, together with the answer given for it
(`record`). There is no "in progress" row: a crash or a lost database connection before that commit
leaves neither the item nor the key, so the client's retry simply runs again; a crash after it leaves
both, so the retry replays the stored answer. Two concurrent requests with one key both run; the second
one's insert waits for the first's commit (the unique index), finds the key and rolls its item back.
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Connection, CursorResult, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from feedback_api.edge.models import IdempotencyKey

RETENTION = timedelta(days=7)


class Outcome(enum.Enum):
    NEW = "new"
    REPLAY = "replay"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    status_code: int | None = None
    content_type: str | None = None
    body: bytes | None = None


@dataclass(frozen=True)
class Claim:
    """A keyed request that found no stored answer: what `record` stores with the item it creates."""

    client_scope: str
    key: str
    path: str
    request_hash: str


def request_fingerprint(body: bytes, content_type: str | None) -> str:
    """sha256 of the body; JSON is canonicalised so a retry with other key order or spacing still matches.

    A body that is not JSON, or nested too deep to parse, is hashed as sent (the route rejects it anyway).
    """
    if content_type and "json" in content_type:
        try:
            body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        except (ValueError, RecursionError):
            pass
    return hashlib.sha256(body).hexdigest()


def _dialect_name(session: Session | Connection) -> str:
    dialect = session.dialect if isinstance(session, Connection) else session.get_bind().dialect
    return "postgresql" if dialect.name == "postgresql" else "sqlite"


def _decide(row, claim: Claim) -> Decision:
    if row.request_hash != claim.request_hash or row.path != claim.path:
        return Decision(Outcome.CONFLICT)
    if row.status_code is None:
        # A row left "in progress" by an older version (which stored keys before the item): the item's
        # transaction takes it over (see `record`).
        return Decision(Outcome.NEW)
    return Decision(Outcome.REPLAY, row.status_code, row.content_type, row.response_body)


_STORED = select(
    IdempotencyKey.__table__.c.path,
    IdempotencyKey.__table__.c.request_hash,
    IdempotencyKey.__table__.c.status_code,
    IdempotencyKey.__table__.c.content_type,
    IdempotencyKey.__table__.c.response_body,
)


def _stored(session: Session | Connection, claim: Claim):
    table = IdempotencyKey.__table__
    return session.execute(
        _STORED.where(table.c.client_scope == claim.client_scope, table.c.key == claim.key)
    ).one_or_none()


def lookup(session: Session | Connection, claim: Claim) -> Decision:
    """Before the route runs: the stored answer to replay, a conflict (same key, other request), or NEW."""
    row = _stored(session, claim)
    if row is None:
        return Decision(Outcome.NEW)
    return _decide(row, claim)


def _record_statement(insert):
    table = IdempotencyKey.__table__
    statement = insert(table)
    # Insert the key; a legacy "in progress" row of the same request is taken over, a completed one kept.
    return statement.on_conflict_do_update(
        index_elements=["client_scope", "key"],
        set_={
            "status_code": statement.excluded.status_code,
            "content_type": statement.excluded.content_type,
            "response_body": statement.excluded.response_body,
            "completed_at": statement.excluded.completed_at,
        },
        where=(
            table.c.status_code.is_(None)
            & (table.c.request_hash == statement.excluded.request_hash)
            & (table.c.path == statement.excluded.path)
        ),
    ).returning(table.c.id)


_RECORD = {"postgresql": _record_statement(pg_insert), "sqlite": _record_statement(sqlite_insert)}


def record(
    session: Session, claim: Claim, status_code: int, content_type: str | None, body: bytes, now: datetime
) -> Decision:
    """Store the key with its answer in the caller's (the item's) transaction; does not commit.

    NEW when stored. Otherwise a concurrent request with the same key committed first (PostgreSQL waits
    for it on the unique index; SQLite writers are serialised): its answer to replay, or a conflict.
    """
    values = {
        "client_scope": claim.client_scope,
        "key": claim.key,
        "path": claim.path,
        "request_hash": claim.request_hash,
        "status_code": status_code,
        "content_type": content_type,
        "response_body": body,
        "created_at": now,
        "completed_at": now,
    }
    if session.execute(_RECORD[_dialect_name(session)], values).scalar_one_or_none() is not None:
        return Decision(Outcome.NEW)
    return _decide(_stored(session, claim), claim)


def purge_expired(session: Session, now: datetime, retention: timedelta = RETENTION) -> int:
    # A DELETE's result is a CursorResult (Session.execute is typed for SELECTs).
    result = cast(
        CursorResult, session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < now - retention))
    )
    session.commit()
    return result.rowcount or 0
