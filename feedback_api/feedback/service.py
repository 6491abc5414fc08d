"""Feedback use cases as plain functions taking a session: intake, transitions, queries.

Every change is one transaction holding the item change, its audit row and its outbox rows. The rules
(lifecycle, permissions, routing, SLA, redaction) come from the pure modules; nothing here re-decides them.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cached_property
from types import SimpleNamespace

from sqlalchemy import and_, func, insert, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from feedback_api import lifecycle, permissions, routing, sla
from feedback_api.agencies.service import agency_codes, list_agencies
from feedback_api.db import utcnow
from feedback_api.errors import ApiError, bad_request, conflict, forbidden, not_found
from feedback_api.feedback.models import AuditEvent, CodeSequence, Feedback
from feedback_api.lifecycle import Action, Status
from feedback_api.outbox.enqueue import enqueue, outbox_rows
from feedback_api.outbox.enqueue import insert_rows as insert_outbox_rows
from feedback_api.publication import service as publication
from feedback_api.workdays import WorkCalendar, calendar_from_settings

SYSTEM_ACTOR = "system"
CITIZEN_ACTOR = "citizen"
RECEIVE_ACTION = "receive"  # the audit action of intake (not a lifecycle transition)

EVENT_FOR_ACTION = {
    Action.assign: "feedback.assigned",
    Action.answer: "feedback.answered",
    Action.publish: "feedback.published",
}

# Statuses in which the answer clock runs (needs_info pauses it).
CLOCK_RUNNING = frozenset(lifecycle.OPEN_STATUSES) - {Status.needs_info}


@dataclass
class ServiceContext:
    """What the use cases need besides a session: settings and the rules' data, loaded once."""

    settings: object
    calendar: WorkCalendar = field(default=None)  # type: ignore[assignment]

    def __post_init__(self):
        if self.calendar is None:
            self.calendar = calendar_from_settings(self.settings)

    @cached_property
    def routing_rules(self):
        return routing.load_rules()

    def route(self, content: str, location: str | None, category: str | None):
        return routing.route(
            content,
            location,
            category,
            list_agencies(),
            self.routing_rules,
            self.settings.coordinator_agency,
        )


@dataclass(frozen=True)
class Actor:
    name: str
    role: str | None  # None: a citizen proving the phone's last digits
    agency: str | None = None

    @classmethod
    def of(cls, user) -> "Actor":
        return cls(user.username, user.role, user.agency_code)


CITIZEN = Actor(CITIZEN_ACTOR, None, None)


# --- helpers -------------------------------------------------------------------------------------
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
    "SELECT CASE WHEN to_regclass(CAST(:name AS text)) IS NOT NULL THEN nextval(CAST(CAST(:seq AS text) AS regclass)) END"
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
    table = CodeSequence.__table__
    statement = sqlite_insert(table).values(year=year, last_seq=1)
    statement = statement.on_conflict_do_update(
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
        text("SELECT GREATEST((SELECT max(last_seq) FROM code_sequence WHERE year = :year),"
             " (SELECT max(seq) FROM feedback WHERE year = :year))"),
        {"year": year},
    ).scalar_one()
    if issued:
        # Never behind what was issued (is_called: the next nextval returns issued + 1).
        session.execute(
            text("SELECT setval(CAST(CAST(:seq AS text) AS regclass), :issued) WHERE :floor > COALESCE("
                 "(SELECT last_value FROM pg_sequences WHERE schemaname = current_schema()"
                 " AND sequencename = CAST(:name AS text)), 0)"),
            {"seq": name, "name": name, "issued": int(issued), "floor": int(issued)},
        )
    return session.execute(text("SELECT nextval(CAST(CAST(:name AS text) AS regclass))"), {"name": name}).scalar_one()


def _audit(session: Session, item: Feedback, *, at: datetime, actor: str, action: str,
           from_status: str | None, reason: str | None = None, to_status: str | None = None,
           agency_code: str | None = None) -> AuditEvent:
    event = AuditEvent(
        feedback_id=item.id,
        feedback_code=item.code,
        at=at,
        actor=actor,
        action=str(action),
        from_status=from_status,
        to_status=to_status or item.status,
        agency_code=agency_code or item.agency_code,
        due_at=item.due_at,
        kind=item.kind,
        reason=reason,
    )
    session.add(event)
    return event


# --- intake --------------------------------------------------------------------------------------
def create_feedback(session: Session, ctx: ServiceContext, body, actor: Actor | None = None,
                    now: datetime | None = None) -> Feedback:
    """Store a new item (routed, with deadlines) with its audit and outbox rows, in one transaction."""
    now = now or utcnow()
    if body.received_at is not None:
        if actor is None or not permissions.can(actor.role, permissions.Extra.log_call,
                                                user_agency=actor.agency, item_agency=None):
            raise forbidden("Chỉ điện thoại viên hoặc lãnh đạo mới được nhập thời điểm tiếp nhận.",
                            "received_at_forbidden")
        received_at = body.received_at.astimezone(timezone.utc)
        if received_at > now + timedelta(minutes=5):
            raise ApiError(422, "received_at_in_future", "Thời điểm tiếp nhận không được ở tương lai.")
    else:
        received_at = now

    if body.attachments:
        from feedback_api.attachments.service import validate_ids  # FB-OPS: ids from POST /attachments

        validate_ids(session, body.attachments)  # unknown ids: 400, nothing stored
    decision = ctx.route(body.content, body.location, body.category)
    coordinator = ctx.settings.coordinator_agency
    policy = sla.policy_for(body.kind, decision.agency_code, ctx.settings)
    # Kept in UTC like everything read back from the database, so every response uses one offset.
    forward_due_at, due_at = (d.astimezone(timezone.utc) for d in sla.deadlines(received_at, policy, ctx.calendar))
    contact = body.contact
    reply = body.reply_to

    # A matching routing rule sends the item straight to that agency (an automatic `assign`).
    routed = decision.agency_code != coordinator
    status = lifecycle.next_status(Status.received, Action.assign) if routed else Status.received

    year = ctx.calendar.local(now).year
    seq = next_sequence(session, year)  # SQLite: as late as possible, the counter row stays locked until commit
    values = dict(
        code=f"PA-{year}-{seq:06d}",
        year=year,
        seq=seq,
        kind=body.kind,
        channel=body.channel,
        content=body.content,
        category=decision.category,  # a known given category, else the classified one
        location=body.location,
        contact_name=contact.name if contact else None,
        contact_phone=contact.phone if contact else None,
        contact_email=contact.email if contact else None,
        reply_channel=reply.channel if reply else None,
        reply_chat_id=reply.chat_id if reply else None,
        publish_consent=body.publish_consent,
        public_interest=False,
        status=str(status),
        agency_code=decision.agency_code if routed else coordinator,
        routing_reason=decision.reason,
        routing_rule=decision.matched_rule,
        received_at=received_at,
        forward_due_at=forward_due_at,
        due_at=due_at,
        attachments=list(body.attachments),
        created_at=now,
        updated_at=now,
    )
    item = Feedback(**values)  # transient: what the caller reads (stored below, without the ORM)
    actor_name = actor.name if actor else CITIZEN_ACTOR
    # In this order: the receipt row gets the lower id, the audit trail reads in order.
    audit = [_audit_row(item, at=received_at, actor=actor_name, action=RECEIVE_ACTION, from_status=None,
                        reason=f"Kênh: {body.channel}", to_status=Status.received, agency_code=coordinator)]
    if routed:
        audit.append(_audit_row(item, at=received_at, actor=SYSTEM_ACTOR, action=Action.assign,
                                from_status=Status.received, reason=decision.reason))
    as_received = SimpleNamespace(**{c: values.get(c) for c in _PAYLOAD_FIELDS})
    as_received.status, as_received.agency_code = Status.received, coordinator
    outbox = outbox_rows("feedback.created", as_received, ctx.settings, occurred_at=now)
    if routed:
        outbox += outbox_rows("feedback.assigned", item, ctx.settings, occurred_at=now)
    item.id = _store_intake(session, values, audit, outbox)
    session.commit()
    return item


def _store_intake(session: Session, values: dict, audit: list[dict], outbox: list[dict]) -> int:
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


_INSERT_FEEDBACK = insert(Feedback.__table__).returning(Feedback.__table__.c.id)
_INSERT_AUDIT = insert(AuditEvent.__table__)
_FEEDBACK_COLUMNS = (
    "code", "year", "seq", "kind", "channel", "content", "category", "location", "contact_name", "contact_phone",
    "contact_email", "reply_channel", "reply_chat_id", "publish_consent", "public_interest", "status",
    "agency_code", "routing_reason", "routing_rule", "received_at", "forward_due_at", "due_at", "attachments",
    "created_at", "updated_at",
)
_AUDIT_COLUMNS = ("feedback_code", "at", "actor", "action", "from_status", "to_status", "agency_code", "due_at",
                  "kind", "reason")
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


def _audit_row(item: Feedback, *, at: datetime, actor: str, action: str, from_status: str | None,
               reason: str | None = None, to_status: str | None = None, agency_code: str | None = None) -> dict:
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


_PAYLOAD_FIELDS = ("code", "status", "kind", "channel", "agency_code", "answer", "reply_channel", "reply_chat_id")


# --- transitions ---------------------------------------------------------------------------------
def get_item(session: Session, code: str, *, lock: bool = False) -> Feedback:
    query = select(Feedback).where(Feedback.code == code)
    if lock:
        query = query.with_for_update()
    item = session.scalar(query)
    if item is None:
        raise not_found()
    return item


def check_permission(actor: Actor, action: Action | permissions.Extra, item: Feedback) -> None:
    if actor.role is None:
        # Citizens act only on their own item (proved by the phone's last digits, checked by the view).
        if action == Action.provide_info:
            return
        raise forbidden()
    if not permissions.can(actor.role, action, user_agency=actor.agency, item_agency=item.agency_code):
        raise forbidden()


def _require_agency(code: str) -> None:
    if code not in agency_codes():
        raise bad_request(f"Không có cơ quan mã “{code}” trong danh mục.", "unknown_agency")


def apply_action(session: Session, ctx: ServiceContext, code: str, action: Action, actor: Actor,
                 body=None, now: datetime | None = None) -> Feedback:
    """Perform one lifecycle action: permission, transition, side data, audit, outbox, commit."""
    now = now or utcnow()
    item = get_item(session, code, lock=True)
    check_permission(actor, action, item)
    try:
        new_status = lifecycle.next_status(item.status, action)
    except lifecycle.InvalidTransition as exc:
        raise conflict(exc.message) from None
    from_status = item.status
    reason = getattr(body, "reason", None) if body is not None else None

    if action == Action.assign:
        _require_agency(body.agency)
        item.agency_code = body.agency
    elif action == Action.transfer:
        _require_agency(body.agency)
        if body.agency == item.agency_code:
            raise bad_request("Phản ánh đã thuộc cơ quan này; hãy chọn cơ quan khác.", "same_agency")
        item.agency_code = body.agency
    elif action == Action.return_to_coordinator:
        item.agency_code = ctx.settings.coordinator_agency
    elif action == Action.request_info:
        item.question = body.question
        item.paused_at = now
        reason = body.question
    elif action == Action.provide_info:
        if item.paused_at is not None:
            item.due_at = sla.extend_for_pause(item.due_at, item.paused_at, now, ctx.calendar).astimezone(timezone.utc)
        item.paused_at = None
        reason = body.info
    elif action == Action.answer:
        item.answer = body.answer
    elif action == Action.publish:
        publication.publish(item, actor, body, now)
    elif action == Action.reject:
        item.guidance = body.guidance
    elif action == Action.merge:
        if body.into == item.code:
            raise bad_request("Không thể gộp một phản ánh vào chính nó.", "merge_into_self")
        target = session.scalar(select(Feedback).where(Feedback.code == body.into))
        if target is None:
            raise bad_request(f"Không tìm thấy phản ánh “{body.into}” để gộp vào.", "merge_target_not_found")
        if target.status in (Status.merged, Status.rejected):
            raise bad_request("Không thể gộp vào một phản ánh đã bị gộp hoặc từ chối.", "merge_target_invalid")
        item.merged_into = target.code
        reason = reason or f"Trùng với {target.code}"

    item.status = new_status
    item.updated_at = now
    if new_status in lifecycle.HANDLED_STATUSES and item.handled_at is None:
        item.handled_at = now
    _audit(session, item, at=now, actor=actor.name, action=action, from_status=from_status, reason=reason)
    enqueue(session, EVENT_FOR_ACTION.get(action, "feedback.status_changed"), item, ctx.settings,
            occurred_at=now)
    session.commit()
    return item


def edit_publication(session: Session, code: str, actor: Actor, text: str, now: datetime | None = None) -> Feedback:
    """Staff may reword a published answer; the new wording is redacted again and audited."""
    now = now or utcnow()
    item = get_item(session, code, lock=True)
    check_permission(actor, permissions.Extra.edit_publication, item)
    if item.status != Status.published:
        raise conflict("Chỉ sửa được nội dung đã công khai.", "not_published")
    publication.set_publication(item, text, now)
    item.updated_at = now
    _audit(session, item, at=now, actor=actor.name, action="edit_publication", from_status=item.status,
           reason="Sửa nội dung công khai")
    session.commit()
    return item


# --- queries -------------------------------------------------------------------------------------
def timeline(session: Session, item: Feedback) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.feedback_id == item.id).order_by(AuditEvent.id)))


def list_items(session: Session, actor: Actor, *, status: str | None = None, agency: str | None = None,
               overdue: bool | None = None, channel: str | None = None, chat_id: str | None = None,
               page: int = 1, size: int = 20, now: datetime | None = None) -> tuple[list[Feedback], int]:
    now = now or utcnow()
    scope = permissions.scope(actor.role, permissions.Extra.list_items) if actor.role else None
    if scope is None:
        raise forbidden()
    conditions = []
    if scope == permissions.Scope.OWN_AGENCY:
        if agency and agency != actor.agency:
            raise forbidden("Bạn chỉ xem được phản ánh của cơ quan mình.", "other_agency")
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


__all__ = [
    "Actor",
    "CITIZEN",
    "ServiceContext",
    "apply_action",
    "create_feedback",
    "edit_publication",
    "get_item",
    "list_items",
    "timeline",
]
