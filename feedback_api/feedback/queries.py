"""Reading items: labels, overdue test, the phone check, timelines and the staff list."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from common.tracking import normalize_tracking_code
from feedback_api.auth import permissions
from feedback_api.domain import Forbidden
from feedback_api.feedback import lifecycle, sla
from feedback_api.feedback.context import Actor
from feedback_api.feedback.lifecycle import Status
from feedback_api.feedback.models import AuditEvent, Feedback, ReadMark
from feedback_api.orm import utcnow

# Statuses in which the answer clock runs (needs_info pauses it).
CLOCK_RUNNING = frozenset(lifecycle.OPEN_STATUSES) - {Status.needs_info}


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


# Internal rule ids and channel keys never reach a person: "theo quy tắc R03", "Kênh: web".
_RULE_ID_RE = re.compile(r"\s*\(?theo quy tắc [\w.-]+\)?", re.IGNORECASE)
_CHANNEL_KEY_RE = re.compile(r"^Kênh: (\w+)$")


def readable_reason(reason: str | None) -> str | None:
    """A routing/audit reason as a person should read it (older rows carry rule ids and keys)."""
    if not reason:
        return reason
    from feedback_api.feedback.intake import CHANNEL_LABELS

    match = _CHANNEL_KEY_RE.match(reason.strip())
    if match:
        return f"Tiếp nhận qua {CHANNEL_LABELS.get(match.group(1), match.group(1))}"
    return _RULE_ID_RE.sub("", reason)


def days_left(item: Feedback, calendar, now: datetime | None = None) -> int | None:
    """Working days until the answer deadline (0: due today, negative: working days overdue);
    None when no answer is owed or the clock is paused."""
    if item.status not in CLOCK_RUNNING or item.due_at is None:
        return None
    now = now or utcnow()
    if sla.is_overdue(item.due_at, now):
        return -max(1, calendar.working_days_between(item.due_at, now))
    return calendar.working_days_between(now, item.due_at)


def _unread_condition(username: str):
    """Changed since this officer last opened it (or never opened)."""
    seen = (
        select(ReadMark.seen_at)
        .where(ReadMark.feedback_id == Feedback.id, ReadMark.username == username)
        .correlate(Feedback)
        .scalar_subquery()
    )
    return or_(seen.is_(None), seen < Feedback.updated_at)


def _search_condition(q: str):
    code = normalize_tracking_code(q)
    if code:
        return Feedback.code == code
    like = f"%{q.strip().replace('%', '').replace('_', ' ')}%"
    return or_(Feedback.code.ilike(like), Feedback.content.ilike(like), Feedback.location.ilike(like))


def urgency_order():
    """Overdue first, then due soonest (clock running); then waiting for the citizen; then the rest, newest first."""
    rank = case(
        (Feedback.status.in_([str(s) for s in CLOCK_RUNNING]), 0),
        (Feedback.status == str(Status.needs_info), 1),
        else_=2,
    )
    due = case((rank < 2, Feedback.due_at), else_=None)
    return [rank, due, Feedback.id.desc()]


def unread_ids(session: Session, username: str, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    query = select(Feedback.id).where(Feedback.id.in_(ids), _unread_condition(username))
    return set(session.scalars(query))


def inbox_counts(session: Session, actor: Actor, now: datetime | None = None) -> dict:
    """The officer's badges: unread open items, open items taken by them, unclaimed open items, overdue."""
    now = now or utcnow()
    scope = permissions.scope(actor.role, permissions.Extra.list_items) if actor.role else None
    if scope is None:
        raise Forbidden()
    base: list[ColumnElement[bool]] = [Feedback.status.in_([str(s) for s in lifecycle.OPEN_STATUSES])]
    if scope == permissions.Scope.OWN_AGENCY:
        base.append(Feedback.agency_code == actor.agency)

    def count(*extra) -> int:
        return session.scalar(select(func.count()).select_from(Feedback).where(*base, *extra)) or 0

    return {
        "open": count(),
        "unread": count(_unread_condition(actor.name)),
        "mine": count(Feedback.assignee == actor.name),
        "unassigned": count(Feedback.assignee.is_(None)),
        "overdue": count(Feedback.status.in_([str(s) for s in CLOCK_RUNNING]), Feedback.due_at < now),
    }


def list_items(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    agency: str | None = None,
    overdue: bool | None = None,
    channel: str | None = None,
    chat_id: str | None = None,
    page: int = 1,
    size: int = 20,
    now: datetime | None = None,
    q: str | None = None,
    assignee: str | None = None,
    unread: bool | None = None,
    open_only: bool | None = None,
    sort: str = "urgency",
) -> tuple[list[Feedback], int]:
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
    if q and q.strip():
        conditions.append(_search_condition(q))
    if assignee == "me":
        conditions.append(Feedback.assignee == actor.name)
    elif assignee == "none":
        conditions.append(Feedback.assignee.is_(None))
    elif assignee:
        conditions.append(Feedback.assignee == assignee)
    if unread:
        conditions.append(_unread_condition(actor.name))
    if open_only:
        conditions.append(Feedback.status.in_([str(s) for s in lifecycle.OPEN_STATUSES]))
    where = and_(*conditions) if conditions else None
    query = select(Feedback)
    count = select(func.count()).select_from(Feedback)
    if where is not None:
        query, count = query.where(where), count.where(where)
    total = session.scalar(count) or 0
    order = urgency_order() if sort == "urgency" else [Feedback.id.desc()]
    rows = session.scalars(query.order_by(*order).offset((page - 1) * size).limit(size))
    return list(rows), total


# --- the citizen's timeline, in plain Vietnamese ---------------------------------------------------
_CITIZEN_SENTENCES = {
    "receive": "Đã tiếp nhận phản ánh, kiến nghị của bạn.",
    "assign": "Đã chuyển tới {agency} để xử lý.",
    "start": "{agency} bắt đầu xử lý.",
    "transfer": "Đã chuyển sang {agency}, cơ quan có thẩm quyền xử lý.",
    "return_to_coordinator": "Đã chuyển lại bộ phận đầu mối để giao đúng cơ quan có thẩm quyền.",
    "request_info": "Cơ quan đề nghị bạn bổ sung thông tin; thời hạn tạm dừng cho đến khi bạn bổ sung.",
    "provide_info": "Đã nhận thông tin bạn bổ sung; cơ quan tiếp tục xử lý.",
    "answer": "{agency} đã trả lời bạn.",
    "publish": "Câu trả lời đã được công khai (đã ẩn thông tin cá nhân).",
    "close": "Đã kết thúc xử lý.",
    "reject": "Nội dung không thuộc phạm vi xử lý phản ánh, kiến nghị; đã gửi hướng dẫn cho bạn.",
    "merge": "Đã gộp với một phản ánh có cùng nội dung.",
    "reopen": "Bạn chưa hài lòng nên phản ánh được mở lại; {agency} trả lời lại chậm nhất {due}.",
    "satisfied": "Bạn đã đánh giá: hài lòng với câu trả lời.",
    "unsatisfied": "Bạn đã đánh giá: chưa hài lòng với câu trả lời.",
}


def citizen_sentence(event: AuditEvent, agency_name, calendar) -> str | None:
    """What one audit event means for the citizen, or None when it is internal to the officers."""
    template = _CITIZEN_SENTENCES.get(event.action)
    if template is None:
        return None
    due = ""
    if event.due_at is not None:
        due = "hết ngày " + calendar.local(event.due_at).strftime("%d/%m/%Y")
    return template.format(agency=agency_name(event.agency_code) or "Cơ quan xử lý", due=due)
