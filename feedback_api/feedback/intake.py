"""Intake: a new item is routed, given its deadlines and a tracking code, and stored with its audit
and outbox rows in one transaction before anyone is told its code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy.orm import Session

from feedback_api.auth import permissions
from feedback_api.domain import Forbidden, Unprocessable
from feedback_api.feedback import lifecycle, sla
from feedback_api.feedback.context import CITIZEN_ACTOR, SYSTEM_ACTOR, Actor, ServiceContext
from feedback_api.feedback.lifecycle import Action, Status
from feedback_api.feedback.models import Feedback
from feedback_api.feedback.store import audit_row, next_sequence, store_intake
from feedback_api.orm import utcnow
from feedback_api.outbox.enqueue import outbox_rows
from knowledge_base.grievance import detect_grievance, guidance_text, legal_path

# Readable names of the intake channels (the audit reason is read by staff, never a key).
CHANNEL_LABELS = {
    "web": "trang web",
    "telegram": "Telegram",
    "zalo": "Zalo",
    "phone": "điện thoại (tổng đài)",
    "email": "thư điện tử",
    "walk_in": "trực tiếp",
}
RECEIVE_ACTION = "receive"  # the audit action of intake (not a lifecycle transition)
_PAYLOAD_FIELDS = ("code", "status", "kind", "channel", "agency_code", "answer", "reply_channel", "reply_chat_id")


def reject_grievance(content: str) -> None:
    """A khiếu nại or tố cáo is not taken in as PAKN: 422 with the legal path and a `kind_hint`, unless the
    caller confirms it is a phản ánh/kiến nghị (`confirmed_pakn`)."""
    found = detect_grievance(content)
    if found is None:
        return
    path = legal_path(found.kind)
    detail = f'{guidance_text(found.kind)}\n\n{path["confirm_hint"]} (gửi lại với "confirmed_pakn": true).'
    raise Unprocessable(
        detail,
        "grievance_not_pakn",
        kind_hint=found.kind,
        cue=found.cue,
        legal_path=path,
        confirm_field="confirmed_pakn",
    )


def create_feedback(
    session: Session,
    ctx: ServiceContext,
    body,
    actor: Actor | None = None,
    now: datetime | None = None,
    on_stored: Callable[[Session, Feedback], None] | None = None,
) -> Feedback:
    """Store a new item (routed, with deadlines) with its audit and outbox rows, in one transaction.

    `on_stored(session, item)` runs in that transaction just before the commit: the caller's receipt
    (the answer stored under an Idempotency-Key) commits with the item or not at all. It may raise to
    abandon the item.
    """
    now = now or utcnow()
    if body.reply_to is not None and actor is None:
        # Replies go to that chat: only the bot (signed in) can vouch that the chat is the sender's own;
        # an anonymous caller could otherwise send notices to, and list the items of, another person's chat.
        raise Forbidden(
            "Chỉ kênh trò chuyện chính thức (đã đăng nhập) mới được đặt nơi nhận trả lời (reply_to).",
            "reply_to_forbidden",
        )
    if body.received_at is not None:
        if (
            actor is None
            or actor.role is None
            or not permissions.can(actor.role, permissions.Extra.log_call, user_agency=actor.agency, item_agency=None)
        ):
            raise Forbidden(
                "Chỉ điện thoại viên hoặc lãnh đạo mới được nhập thời điểm tiếp nhận.", "received_at_forbidden"
            )
        received_at = body.received_at.astimezone(UTC)
        if received_at > now + timedelta(minutes=5):
            raise Unprocessable("Thời điểm tiếp nhận không được ở tương lai.", "received_at_in_future")
    else:
        received_at = now

    if not body.confirmed_pakn:
        reject_grievance(body.content)
    if body.attachments:
        from feedback_api.attachments.service import validate_ids  # FB-OPS: ids from POST /attachments

        validate_ids(session, body.attachments)  # unknown ids: 400, nothing stored
    decision = ctx.route(body.content, body.location, body.category)
    coordinator = ctx.settings.coordinator_agency
    policy = sla.policy_for(body.kind, decision.agency_code, ctx.settings)
    # Kept in UTC like everything read back from the database, so every response uses one offset.
    forward_due_at, due_at = (d.astimezone(UTC) for d in sla.deadlines(received_at, policy, ctx.calendar))
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
    audit = [
        audit_row(
            item,
            at=received_at,
            actor=actor_name,
            action=RECEIVE_ACTION,
            from_status=None,
            reason=f"Tiếp nhận qua {CHANNEL_LABELS.get(body.channel, body.channel)}",
            to_status=Status.received,
            agency_code=coordinator,
        )
    ]
    if routed:
        audit.append(
            audit_row(
                item,
                at=received_at,
                actor=SYSTEM_ACTOR,
                action=Action.assign,
                from_status=Status.received,
                reason=decision.reason,
            )
        )
    as_received = SimpleNamespace(**{c: values.get(c) for c in _PAYLOAD_FIELDS})
    as_received.status, as_received.agency_code = Status.received, coordinator
    outbox = outbox_rows("feedback.created", as_received, ctx.settings, occurred_at=now)
    if routed:
        outbox += outbox_rows("feedback.assigned", item, ctx.settings, occurred_at=now)
    item.id = store_intake(session, values, audit, outbox)
    if on_stored is not None:
        on_stored(session, item)
    session.commit()
    return item
