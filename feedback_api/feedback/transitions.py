"""Lifecycle actions on a stored item: permission, transition, the action's own side data, audit,
outbox, commit — one transaction each. What each action changes is one small handler in `HANDLERS`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.tracking import normalize_tracking_code
from feedback_api.auth import permissions
from feedback_api.domain import Conflict, Forbidden, Invalid, NotFound
from feedback_api.feedback import lifecycle, sla
from feedback_api.feedback.context import Actor, ServiceContext
from feedback_api.feedback.lifecycle import Action, Status
from feedback_api.feedback.models import Feedback
from feedback_api.feedback.store import add_audit
from feedback_api.orm import utcnow
from feedback_api.outbox.enqueue import enqueue
from feedback_api.publication import service as publication

EVENT_FOR_ACTION = {
    Action.assign: "feedback.assigned",
    Action.answer: "feedback.answered",
    Action.publish: "feedback.published",
}


def get_item(session: Session, code: str, *, lock: bool = False) -> Feedback:
    code = normalize_tracking_code(code) or code  # "pa 2026 12" is PA-2026-000012 everywhere
    query = select(Feedback).where(Feedback.code == code)
    if lock:
        query = query.with_for_update()
    item = session.scalar(query)
    if item is None:
        raise NotFound()
    return item


def check_permission(actor: Actor, action: Action | permissions.Extra, item: Feedback) -> None:
    if actor.role is None:
        # Citizens act only on their own item (proved by the phone's last digits, checked by the view).
        if action in (Action.provide_info, Action.reopen):
            return
        raise Forbidden()
    if not permissions.can(actor.role, action, user_agency=actor.agency, item_agency=item.agency_code):
        raise Forbidden()


# --- what each action changes besides the status; returns the audit reason (None: the body's reason) ---
Handler = Callable[[Session, ServiceContext, Feedback, Actor, object, datetime], str | None]


def _require_agency(ctx: ServiceContext, code: str) -> None:
    if code not in ctx.directory.codes:
        raise Invalid(f"Không có cơ quan mã “{code}” trong danh mục.", "unknown_agency")


def _assign(session, ctx, item, actor, body, now):
    _require_agency(ctx, body.agency)
    if body.agency != item.agency_code:
        item.assignee = None  # officers belong to one agency
    item.agency_code = body.agency
    return None


def _transfer(session, ctx, item, actor, body, now):
    _require_agency(ctx, body.agency)
    if body.agency == item.agency_code:
        raise Invalid("Phản ánh đã thuộc cơ quan này; hãy chọn cơ quan khác.", "same_agency")
    item.agency_code = body.agency
    item.assignee = None
    return None


def _return_to_coordinator(session, ctx, item, actor, body, now):
    item.agency_code = ctx.settings.coordinator_agency
    item.assignee = None
    return None


def _reopen(session, ctx, item, actor, body, now):
    """Same agency, a fresh answer deadline counted from today, as for a new item."""
    policy = sla.policy_for(item.kind, item.agency_code, ctx.settings)
    item.due_at = ctx.calendar.due_at(now, policy.answer_days).astimezone(UTC)
    item.reopened_at = now
    item.handled_at = None  # the next answer handles it again
    return getattr(body, "reason", None) or "Công dân chưa hài lòng với câu trả lời"


def _request_info(session, ctx, item, actor, body, now):
    item.question = body.question
    item.paused_at = now  # the answer clock stops until the citizen replies
    return body.question


def _provide_info(session, ctx, item, actor, body, now):
    if item.paused_at is not None:
        item.due_at = sla.extend_for_pause(item.due_at, item.paused_at, now, ctx.calendar).astimezone(UTC)
    item.paused_at = None
    return body.info


def _answer(session, ctx, item, actor, body, now):
    item.answer = body.answer
    return None


def _publish(session, ctx, item, actor, body, now):
    publication.publish(item, actor, body, now)
    return None


def _reject(session, ctx, item, actor, body, now):
    item.guidance = body.guidance
    return None


def _merge(session, ctx, item, actor, body, now):
    if body.into == item.code:
        raise Invalid("Không thể gộp một phản ánh vào chính nó.", "merge_into_self")
    target = session.scalar(select(Feedback).where(Feedback.code == body.into))
    if target is None:
        raise Invalid(f"Không tìm thấy phản ánh “{body.into}” để gộp vào.", "merge_target_not_found")
    if target.status in (Status.merged, Status.rejected):
        raise Invalid("Không thể gộp vào một phản ánh đã bị gộp hoặc từ chối.", "merge_target_invalid")
    item.merged_into = target.code
    return getattr(body, "reason", None) or f"Trùng với {target.code}"


HANDLERS: dict[Action, Handler] = {
    Action.assign: _assign,
    Action.transfer: _transfer,
    Action.return_to_coordinator: _return_to_coordinator,
    Action.request_info: _request_info,
    Action.provide_info: _provide_info,
    Action.answer: _answer,
    Action.publish: _publish,
    Action.reject: _reject,
    Action.merge: _merge,
    Action.reopen: _reopen,
}


def apply_action(
    session: Session,
    ctx: ServiceContext,
    code: str,
    action: Action,
    actor: Actor,
    body=None,
    now: datetime | None = None,
) -> Feedback:
    """Perform one lifecycle action: permission, transition, side data, audit, outbox, commit."""
    now = now or utcnow()
    item = get_item(session, code, lock=True)
    check_permission(actor, action, item)
    try:
        new_status = lifecycle.next_status(item.status, action)
    except lifecycle.InvalidTransition as exc:
        raise Conflict(exc.message) from None
    from_status = item.status
    handler = HANDLERS.get(action)
    reason = handler(session, ctx, item, actor, body, now) if handler else None
    if reason is None and body is not None:
        reason = getattr(body, "reason", None)

    item.status = new_status
    item.updated_at = now
    if new_status in lifecycle.HANDLED_STATUSES and item.handled_at is None:
        item.handled_at = now
    add_audit(session, item, at=now, actor=actor.name, action=action, from_status=from_status, reason=reason)
    enqueue(session, EVENT_FOR_ACTION.get(action, "feedback.status_changed"), item, ctx.settings, occurred_at=now)
    session.commit()
    return item


def edit_publication(session: Session, code: str, actor: Actor, text: str, now: datetime | None = None) -> Feedback:
    """Staff may reword a published answer; the new wording is redacted again and audited."""
    now = now or utcnow()
    item = get_item(session, code, lock=True)
    check_permission(actor, permissions.Extra.edit_publication, item)
    if item.status != Status.published:
        raise Conflict("Chỉ sửa được nội dung đã công khai.", "not_published")
    publication.set_publication(item, text, now)
    item.updated_at = now
    add_audit(
        session,
        item,
        at=now,
        actor=actor.name,
        action="edit_publication",
        from_status=item.status,
        reason="Sửa nội dung công khai",
    )
    session.commit()
    return item
