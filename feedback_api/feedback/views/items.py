"""Intake and lookup: submit an item, the staff list, the public status (with the citizen's details once
the phone digits match) and the staff view of one item."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from feedback_api.auth import permissions
from feedback_api.auth.models import User
from feedback_api.deps import (
    MAX_PAGE,
    get_current_user,
    get_directory,
    get_optional_user,
    get_service_context,
    get_session,
    get_verifier,
)
from feedback_api.edge.clients import TokenVerifier
from feedback_api.edge.idempotency import Receipt, claim_of
from feedback_api.errors import forbidden
from feedback_api.feedback import intake, lifecycle, queries, transitions, workspace
from feedback_api.feedback.citizen_access import check_phone_digits
from feedback_api.feedback.context import Actor, ServiceContext
from feedback_api.feedback.models import Feedback
from feedback_api.feedback.schemas import (
    CitizenDetails,
    Contact,
    FeedbackCreate,
    FeedbackCreated,
    Note,
    PublicStatus,
    ReplyTo,
    StaffListItem,
    StaffView,
    TimelineEntry,
)
from feedback_api.feedback.views.common import _agency_ref, _client_address
from feedback_api.orm import utcnow
from knowledge_base.directory import Directory

router = APIRouter(tags=["feedback"])


def _timeline(session: Session, item: Feedback) -> list[TimelineEntry]:
    """The staff timeline: every audit row, reasons readable (no rule ids or keys)."""
    return [
        TimelineEntry(
            at=e.at,
            action=e.action,
            status=e.to_status,
            status_label=lifecycle.status_label(e.to_status),
            agency=e.agency_code,
            reason=queries.readable_reason(e.reason),
            actor=e.actor,
        )
        for e in queries.timeline(session, item)
    ]


def _citizen_timeline(session: Session, item: Feedback, ctx: ServiceContext) -> list[TimelineEntry]:
    """The citizen's timeline: plain sentences, agency names, nothing internal (notes, officers, reasons)."""
    entries = []
    for e in queries.timeline(session, item):
        text = queries.citizen_sentence(e, ctx.directory.name, ctx.calendar)
        if text is None:
            continue
        entries.append(
            TimelineEntry(
                at=e.at,
                action=e.action,
                status=e.to_status,
                status_label=lifecycle.status_label(e.to_status),
                agency=e.agency_code,
                text=text,
            )
        )
    return entries


def staff_view(session: Session, item: Feedback, directory: Directory, ctx: ServiceContext | None = None) -> StaffView:
    contact = None
    if item.contact_name or item.contact_phone or item.contact_email:
        contact = Contact(name=item.contact_name, phone=item.contact_phone, email=item.contact_email)
    reply = ReplyTo(channel=item.reply_channel, chat_id=item.reply_chat_id) if item.reply_chat_id else None
    return StaffView(
        code=item.code,
        kind=item.kind,
        channel=item.channel,
        content=item.content,
        category=item.category,
        category_label=ctx.routing_rules.label(item.category) if ctx else None,
        location=item.location,
        contact=contact,
        reply_to=reply,
        publish_consent=item.publish_consent,
        public_interest=item.public_interest,
        status=item.status,
        status_label=lifecycle.status_label(item.status),
        agency=_agency_ref(item.agency_code, directory),
        routing_reason=queries.readable_reason(item.routing_reason) or "",
        routing_rule=item.routing_rule,
        received_at=item.received_at,
        forward_due_at=item.forward_due_at,
        due_at=item.due_at,
        overdue=queries.is_overdue(item),
        handled_at=item.handled_at,
        question=item.question,
        guidance=item.guidance,
        answer=item.answer,
        published_text=item.published_text,
        published_at=item.published_at,
        merged_into=item.merged_into,
        attachments=list(item.attachments or []),
        allowed_actions=sorted(str(a) for a in lifecycle.allowed_actions(item.status)),
        timeline=_timeline(session, item),
        assignee=item.assignee,
        reopened_at=item.reopened_at,
        days_left=queries.days_left(item, ctx.calendar) if ctx else None,
        notes=[
            Note(id=n.id, author=n.author, body=n.body, created_at=n.created_at) for n in workspace.notes(session, item)
        ],
    )


@router.post("/feedback", status_code=201, response_model=FeedbackCreated)
def submit_feedback(
    request: Request,
    body: FeedbackCreate,
    session: Session = Depends(get_session),
    user: User | None = Depends(get_optional_user),
    ctx: ServiceContext = Depends(get_service_context),
) -> Response:

    def render(item: Feedback) -> JSONResponse:
        created = FeedbackCreated(
            code=item.code,
            status=item.status,
            status_label=lifecycle.status_label(item.status),
            agency=item.agency_code,
            agency_name=ctx.directory.name(item.agency_code),
            due_at=item.due_at,
            forward_due_at=item.forward_due_at,
        )
        return JSONResponse(created.model_dump(mode="json"), status_code=201)

    # The answer is rendered (and stored under an Idempotency-Key) inside the item's transaction.
    receipt = Receipt(claim_of(request), render)
    intake.create_feedback(session, ctx, body, Actor.of(user) if user else None, on_stored=receipt)
    if receipt.response is None:  # cannot happen: create_feedback calls on_stored before it commits
        raise RuntimeError("intake stored the item without its receipt")
    return receipt.response


@router.get("/feedback")
def list_feedback(
    session: Session = Depends(get_session),
    user: User = Depends(get_current_user),
    status: lifecycle.Status | None = None,
    agency: str | None = None,
    overdue: bool | None = None,
    channel: str | None = None,
    chat_id: str | None = None,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    size: int = Query(20, ge=1, le=100),
    q: str | None = Query(None, max_length=200, description="Mã (viết kiểu nào cũng được) hoặc nội dung"),
    assignee: str | None = Query(None, max_length=100, description="me | none | tên đăng nhập"),
    unread: bool | None = None,
    open_only: bool | None = Query(None, alias="open", description="Chỉ phản ánh còn phải xử lý"),
    sort: Literal["urgency", "newest"] = "urgency",
    ctx: ServiceContext = Depends(get_service_context),
) -> dict:
    actor = Actor.of(user)
    items, total = queries.list_items(
        session,
        actor,
        status=status,
        agency=agency,
        overdue=overdue,
        channel=channel,
        chat_id=chat_id,
        page=page,
        size=size,
        q=q,
        assignee=assignee,
        unread=unread,
        open_only=open_only,
        sort=sort,
    )
    now = utcnow()
    unread_ids = queries.unread_ids(session, actor.name, [i.id for i in items])
    return {
        "items": [
            StaffListItem(
                code=i.code,
                kind=i.kind,
                channel=i.channel,
                status=i.status,
                status_label=lifecycle.status_label(i.status),
                agency=i.agency_code,
                agency_name=ctx.directory.name(i.agency_code),
                category=i.category,
                category_label=ctx.routing_rules.label(i.category),
                content=i.content,
                received_at=i.received_at,
                due_at=i.due_at,
                overdue=queries.is_overdue(i, now),
                days_left=queries.days_left(i, ctx.calendar, now),
                assignee=i.assignee,
                unread=i.id in unread_ids,
                reopened=i.reopened_at is not None,
            ).model_dump(mode="json")
            for i in items
        ],
        "total": total,
        "page": page,
        "size": size,
    }


@router.get("/feedback/{code}", response_model=PublicStatus, response_model_exclude_none=False)
def public_status(
    request: Request,
    code: str,
    session: Session = Depends(get_session),
    phone_last4: str | None = Query(None, pattern=r"^[0-9]{4}$"),
    directory: Directory = Depends(get_directory),
    ctx: ServiceContext = Depends(get_service_context),
    verifier: TokenVerifier = Depends(get_verifier),
) -> PublicStatus:
    item = transitions.get_item(session, code)
    details = None
    if phone_last4 is not None:
        check_phone_digits(
            session,
            ctx.settings,
            item,
            phone_last4,
            _client_address(request, verifier),
            "Bốn số cuối điện thoại không khớp với phản ánh này.",
        )
        details = CitizenDetails(
            content=item.content,
            location=item.location,
            can_rate=workspace.can_rate(session, item),
            answer=item.answer,
            question=item.question,
            guidance=item.guidance,
            timeline=_citizen_timeline(session, item, ctx),
        )
    return PublicStatus(
        code=item.code,
        kind=item.kind,
        status=item.status,
        status_label=lifecycle.status_label(item.status),
        agency=_agency_ref(item.agency_code, directory),
        received_at=item.received_at,
        due_at=item.due_at,
        overdue=queries.is_overdue(item),
        published_answer=item.published_text,
        published_at=item.published_at,
        merged_into=item.merged_into,
        details=details,
    )


@router.get("/feedback/{code}/staff-view", response_model=StaffView)
def get_staff_view(
    code: str,
    session: Session = Depends(get_session),
    user: User = Depends(get_current_user),
    directory: Directory = Depends(get_directory),
    ctx: ServiceContext = Depends(get_service_context),
) -> StaffView:
    item = transitions.get_item(session, code)
    if not permissions.can_view(user.role, user_agency=user.agency_code, item_agency=item.agency_code):
        raise forbidden()
    view = staff_view(session, item, directory, ctx)
    workspace.mark_read(session, item, user.username)  # opened: no longer unread for this officer
    return view
