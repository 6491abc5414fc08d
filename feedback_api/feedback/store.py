"""Database-specific SQL of the feedback domain: tracking-code numbering and the one-statement intake.

Everything here differs between PostgreSQL and SQLite; the use cases (intake, transitions) stay plain.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import insert, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from feedback_api.feedback.models import AuditEvent, CodeSequence, Feedback
from feedback_api.orm import table_of
from feedback_api.outbox.enqueue import insert_rows as insert_outbox_rows

# Tracking-code numbers (PA-<year>-<seq>).
#
# PRODUCT DECISION (numbering on PostgreSQL): codes come from one SEQUENCE per year. They are unique and
# increase in the order intakes take them, and each year starts again at 1, but a number taken by an
# intake that then fails (rolled back: a database error, a lost connection) is not given back, so a
# year's codes can have a gap. Codes are receipts, not a register: citizens and staff look an item up
# by its code, and the figures count items and audit rows, never code numbers. Gap-free numbering needs
# every intake to wait for the previous one's commit (one counter row locked until commit); measured,
# that alone capped intake at ~60-80 submissions/s. The audit trail still records every stored item.
# SQLite keeps the gap-free counter row: it has a single writer anyway (BEGIN IMMEDIATE), so the row
# costs nothing there.
CODE_SEQUENCE_PREFIX = "feedback_code_seq_"
# Advisory lock key serialising the creation of a year's sequence (first intake of a year only).
_CREATE_SEQUENCE_LOCK = 1022002
_NEXTVAL_IF_EXISTS = text(
    "SELECT CASE WHEN to_regclass(CAST(:name AS text)) IS NOT NULL"
    " THEN nextval(CAST(CAST(:seq AS text) AS regclass)) END"
)


def code_sequence_name(year: int) -> str:
    return f"{CODE_SEQUENCE_PREFIX}{int(year)}"


def next_sequence(session: Session, year: int) -> int:
    """Next number of the year's tracking-code sequence (unique under concurrency; see above).

    PostgreSQL: nextval of the year's SEQUENCE, one round trip, no lock held (a rolled-back intake
    leaves a gap, by decision). SQLite: one upsert (INSERT ... ON CONFLICT DO UPDATE ... RETURNING)
    creates or increments the year's counter row; the database is write-locked from BEGIN IMMEDIATE,
    and a rolled-back intake rolls its increment back too (gap-free).
    """
    if session.get_bind().dialect.name == "postgresql":
        name = code_sequence_name(year)
        value = session.execute(_NEXTVAL_IF_EXISTS, {"name": name, "seq": name}).scalar_one()
        if value is None:
            value = _create_year_sequence(session, year)
        return int(value)
    table = table_of(CodeSequence)
    upsert = sqlite_insert(table).values(year=year, last_seq=1)
    statement = upsert.on_conflict_do_update(
        index_elements=[table.c.year], set_={"last_seq": table.c.last_seq + 1}
    ).returning(table.c.last_seq)
    return session.execute(statement).scalar_one()


def _create_year_sequence(session: Session, year: int) -> int:
    """First intake of a year on PostgreSQL: create the year's sequence, then take its first number.

    Runs in the intake's transaction (a failed intake drops the new sequence with it). The advisory
    lock makes concurrent first intakes wait for the creator's commit; CREATE ... IF NOT EXISTS then
    sees the committed sequence. The sequence starts after every number already issued for the year
    (by the counter row of older versions, or present in the table), and is OWNED BY feedback.seq so
    that dropping the table drops it and TRUNCATE ... RESTART IDENTITY restarts it.
    """
    name = code_sequence_name(year)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CREATE_SEQUENCE_LOCK})
    session.execute(text(f'CREATE SEQUENCE IF NOT EXISTS "{name}" AS integer OWNED BY feedback.seq'))
    issued = session.execute(
        text(
            "SELECT GREATEST((SELECT max(last_seq) FROM code_sequence WHERE year = :year),"
            " (SELECT max(seq) FROM feedback WHERE year = :year))"
        ),
        {"year": year},
    ).scalar_one()
    if issued:
        # Never behind what was issued (is_called: the next nextval returns issued + 1).
        session.execute(
            text(
                "SELECT setval(CAST(CAST(:seq AS text) AS regclass), :issued) WHERE :floor > COALESCE("
                "(SELECT last_value FROM pg_sequences WHERE schemaname = current_schema()"
                " AND sequencename = CAST(:name AS text)), 0)"
            ),
            {"seq": name, "name": name, "issued": int(issued), "floor": int(issued)},
        )
    return session.execute(text("SELECT nextval(CAST(CAST(:name AS text) AS regclass))"), {"name": name}).scalar_one()


def audit_row(
    item: Feedback,
    *,
    at: datetime,
    actor: str,
    action: str,
    from_status: str | None,
    reason: str | None = None,
    to_status: str | None = None,
    agency_code: str | None = None,
) -> dict:
    """An audit row's values, without feedback_id (the item's id is known once it is stored)."""
    return dict(
        feedback_code=item.code,
        at=at,
        actor=actor,
        action=str(action),
        from_status=str(from_status) if from_status is not None else None,
        to_status=str(to_status or item.status),
        agency_code=agency_code or item.agency_code,
        due_at=item.due_at,
        kind=item.kind,
        reason=reason,
    )


def add_audit(session: Session, item: Feedback, **values) -> None:
    """Append one audit row for a stored item (the audit table is append-only)."""
    session.execute(_INSERT_AUDIT, {**audit_row(item, **values), "feedback_id": item.id})


def store_intake(session: Session, values: dict, audit: list[dict], outbox: list[dict]) -> int:
    """INSERT the item, its audit rows (in order) and its outbox rows in the session's transaction.

    Core statements, no ORM unit of work. On PostgreSQL one statement does all three (data-modifying
    CTEs: one round trip instead of three, and the statement is atomic on its own too); elsewhere three
    Core INSERTs (executemany runs the audit rows in order). Returns the item's id.
    """
    if session.get_bind().dialect.name == "postgresql":
        return session.execute(_PG_INTAKE, _pg_intake_params(values, audit, outbox)).scalar_one()
    feedback_id = session.execute(_INSERT_FEEDBACK, values).scalar_one()
    session.execute(_INSERT_AUDIT, [{**row, "feedback_id": feedback_id} for row in audit])
    insert_outbox_rows(session, outbox)
    return feedback_id


_INSERT_FEEDBACK = insert(table_of(Feedback)).returning(table_of(Feedback).c.id)
_INSERT_AUDIT = insert(table_of(AuditEvent))
_FEEDBACK_COLUMNS = (
    "code",
    "year",
    "seq",
    "kind",
    "channel",
    "content",
    "category",
    "location",
    "contact_name",
    "contact_phone",
    "contact_email",
    "reply_channel",
    "reply_chat_id",
    "publish_consent",
    "public_interest",
    "status",
    "agency_code",
    "routing_reason",
    "routing_rule",
    "received_at",
    "forward_due_at",
    "due_at",
    "attachments",
    "created_at",
    "updated_at",
)
_AUDIT_COLUMNS = (
    "feedback_code",
    "at",
    "actor",
    "action",
    "from_status",
    "to_status",
    "agency_code",
    "due_at",
    "kind",
    "reason",
)
_OUTBOX_COLUMNS = ("id", "event", "payload", "target", "created_at", "next_attempt_at", "attempts")
# The rows travel as JSON documents read back with each table's own row type (json_populate_record):
# three parameters instead of dozens, which the driver adapts much faster. The audit rows are inserted
# ORDER BY their position, so their ids (serial) follow the list's order.
_PG_INTAKE = text(
    "WITH new_item AS (INSERT INTO feedback ({columns}) SELECT {columns}"
    " FROM json_populate_record(NULL::feedback, CAST(:item AS json)) RETURNING id),"
    " new_audit AS (INSERT INTO audit_event (feedback_id, {audit}) SELECT new_item.id, {audit_a}"
    " FROM new_item, json_populate_recordset(NULL::audit_event, CAST(:audit AS json)) WITH ORDINALITY AS a"
    " ORDER BY a.ordinality),"
    " new_outbox AS (INSERT INTO outbox ({outbox}) SELECT {outbox}"
    " FROM json_populate_recordset(NULL::outbox, CAST(:outbox AS json)))"
    " SELECT id FROM new_item".format(
        columns=", ".join(_FEEDBACK_COLUMNS),
        audit=", ".join(_AUDIT_COLUMNS),
        audit_a=", ".join(f"a.{c}" for c in _AUDIT_COLUMNS),
        outbox=", ".join(_OUTBOX_COLUMNS),
    )
)


def _json_value(value):
    if isinstance(value, datetime):
        return value.isoformat()  # timezone-aware UTC: read back as the same timestamptz
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _pg_intake_params(values: dict, audit: list[dict], outbox: list[dict]) -> dict:
    return {
        "item": json.dumps(values, default=_json_value),
        "audit": json.dumps(audit, default=_json_value),
        "outbox": json.dumps([{c: row[c] for c in _OUTBOX_COLUMNS} for row in outbox], default=_json_value),
    }
