"""The officers' workspace around an item: who holds it, read marks, internal notes, answer templates,
and the citizen's satisfaction with the answer. Status changes stay in transitions (the reopening
after "không hài lòng" is the lifecycle action `reopen`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_api.auth import permissions
from feedback_api.auth.models import User
from feedback_api.domain import Conflict, Forbidden, Invalid, NotFound
from feedback_api.feedback import lifecycle
from feedback_api.feedback.context import Actor, ServiceContext
from feedback_api.feedback.lifecycle import Action, Status
from feedback_api.feedback.models import AnswerTemplate, Feedback, InternalNote, ReadMark, Satisfaction
from feedback_api.feedback.store import add_audit
from feedback_api.feedback.transitions import apply_action, get_item
from feedback_api.orm import utcnow

CLAIM_ACTION = "claim"
NOTE_ACTION = "note"
SATISFIED_ACTION = "satisfied"  # the figures count these two audit actions (one per rated answer)
UNSATISFIED_ACTION = "unsatisfied"
# Audit actions that are internal to the officers: never in the citizen's timeline.
INTERNAL_ACTIONS = frozenset({CLAIM_ACTION, NOTE_ACTION, "edit_publication"})
RATEABLE = frozenset({Status.answered, Status.published})


def _allowed(actor: Actor, what: permissions.Extra, agency: str | None) -> None:
    if actor.role is None or not permissions.can(actor.role, what, user_agency=actor.agency, item_agency=agency):
        raise Forbidden()


# --- who holds the item ----------------------------------------------------------------------------
def officers(session: Session, actor: Actor, agency: str) -> list[str]:
    """Active officers (staff accounts) of `agency`, for the "giao cho" list."""
    _allowed(actor, permissions.Extra.claim, agency)
    query = (
        select(User.username)
        .where(User.agency_code == agency, User.active.is_(True), User.role == str(permissions.Role.staff))
        .order_by(User.username)
    )
    return list(session.scalars(query))


def claim(
    session: Session, code: str, actor: Actor, assignee: str | None, release: bool = False, now: datetime | None = None
) -> Feedback:
    """Give the item to an officer of its agency (oneself when `assignee` is empty), or release it."""
    now = now or utcnow()
    item = get_item(session, code, lock=True)
    _allowed(actor, permissions.Extra.claim, item.agency_code)
    if item.status not in lifecycle.OPEN_STATUSES:
        raise Conflict("Phản ánh đã được xử lý xong, không cần nhận xử lý nữa.", "not_open")
    if release:
        target = None
        reason = "Bỏ nhận xử lý"
    else:
        target = assignee or actor.name
        user = session.scalar(select(User).where(User.username == target))
        if user is None or not user.active:
            raise Invalid(f"Không có cán bộ “{target}” đang hoạt động.", "unknown_officer")
        if user.agency_code != item.agency_code:
            raise Invalid("Chỉ giao được cho cán bộ của cơ quan đang xử lý phản ánh.", "officer_other_agency")
        reason = "Nhận xử lý" if target == actor.name else f"Giao cho cán bộ {target}"
    item.assignee = target
    item.updated_at = now
    add_audit(session, item, at=now, actor=actor.name, action=CLAIM_ACTION, from_status=item.status, reason=reason)
    session.commit()
    return item


def mark_read(session: Session, item: Feedback, username: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    mark = session.get(ReadMark, (item.id, username))
    if mark is None:
        session.add(ReadMark(feedback_id=item.id, username=username, seen_at=now))
    else:
        mark.seen_at = max(now, item.updated_at or now)
    session.commit()


# --- internal notes -------------------------------------------------------------------------------
def notes(session: Session, item: Feedback) -> list[InternalNote]:
    return list(
        session.scalars(select(InternalNote).where(InternalNote.feedback_id == item.id).order_by(InternalNote.id))
    )


def add_note(session: Session, code: str, actor: Actor, body: str, now: datetime | None = None) -> InternalNote:
    now = now or utcnow()
    item = get_item(session, code, lock=True)
    _allowed(actor, permissions.Extra.note, item.agency_code)
    note = InternalNote(feedback_id=item.id, author=actor.name, body=body, created_at=now)
    session.add(note)
    item.updated_at = now
    # The audit says that a note was written, not what it says (the note stays internal).
    add_audit(
        session,
        item,
        at=now,
        actor=actor.name,
        action=NOTE_ACTION,
        from_status=item.status,
        reason="Thêm ghi chú nội bộ",
    )
    session.commit()
    return note


# --- answer templates ------------------------------------------------------------------------------
def templates(session: Session, actor: Actor, agency: str | None) -> list[AnswerTemplate]:
    agency = agency or actor.agency
    if not agency:
        raise Invalid("Chọn cơ quan để xem mẫu trả lời.", "agency_required")
    _allowed(actor, permissions.Extra.templates, agency)
    return list(
        session.scalars(
            select(AnswerTemplate).where(AnswerTemplate.agency_code == agency).order_by(AnswerTemplate.title)
        )
    )


def add_template(
    session: Session, ctx: ServiceContext, actor: Actor, agency: str | None, title: str, body: str
) -> AnswerTemplate:
    agency = agency or actor.agency
    if not agency or agency not in ctx.directory.codes:
        raise Invalid("Không có cơ quan này trong danh mục.", "unknown_agency")
    _allowed(actor, permissions.Extra.templates, agency)
    template = AnswerTemplate(agency_code=agency, title=title, body=body, created_by=actor.name, created_at=utcnow())
    session.add(template)
    session.commit()
    return template


def delete_template(session: Session, actor: Actor, template_id: int) -> None:
    template = session.get(AnswerTemplate, template_id)
    if template is None:
        raise NotFound("Không tìm thấy mẫu trả lời này.", "template_not_found")
    _allowed(actor, permissions.Extra.templates, template.agency_code)
    session.delete(template)
    session.commit()


# --- the citizen's satisfaction ---------------------------------------------------------------------
def _rated_current_answer(session: Session, item: Feedback) -> bool:
    answered_at = item.handled_at or item.updated_at
    return (
        session.scalar(
            select(Satisfaction.id).where(Satisfaction.feedback_id == item.id, Satisfaction.at >= answered_at).limit(1)
        )
        is not None
    )


def can_rate(session: Session, item: Feedback) -> bool:
    """An answer is there and the citizen has not rated it yet."""
    return item.status in RATEABLE and not _rated_current_answer(session, item)


def rate(
    session: Session,
    ctx: ServiceContext,
    code: str,
    actor: Actor,
    satisfied: bool,
    reason: str | None,
    now: datetime | None = None,
) -> Feedback:
    """Record "hài lòng" / "không hài lòng" for the current answer; not satisfied reopens the item to
    the same agency with a new answer deadline (lifecycle action `reopen`), in the same transaction."""
    now = now or utcnow()
    item = get_item(session, code, lock=True)
    if actor.role is not None and not permissions.can(
        actor.role, Action.reopen, user_agency=actor.agency, item_agency=item.agency_code
    ):
        raise Forbidden()
    if item.status not in RATEABLE:
        raise Conflict("Chỉ đánh giá được sau khi cơ quan đã trả lời.", "not_answered")
    if _rated_current_answer(session, item):
        raise Conflict("Bạn đã đánh giá câu trả lời này rồi. Cảm ơn bạn!", "already_rated")
    why = (reason or "").strip()
    if not satisfied and not why:
        raise Invalid("Vui lòng cho biết vì sao bạn chưa hài lòng.", "reason_required")
    session.add(
        Satisfaction(
            feedback_id=item.id, agency_code=item.agency_code, satisfied=satisfied, reason=reason or None, at=now
        )
    )
    add_audit(
        session,
        item,
        at=now,
        actor=actor.name,
        action=SATISFIED_ACTION if satisfied else UNSATISFIED_ACTION,
        from_status=item.status,
        reason=reason or None,
    )
    if satisfied:
        session.commit()
        return item
    return apply_action(
        session, ctx, item.code, Action.reopen, actor, _Reason("Công dân chưa hài lòng: " + why), now=now
    )


class _Reason:
    def __init__(self, reason: str):
        self.reason = reason
