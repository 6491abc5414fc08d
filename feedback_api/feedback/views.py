"""Thin routers over the feedback use cases (intake, transitions, queries): parse, authorise the caller's identity, shape the response."""
from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from feedback_api.auth import permissions
from feedback_api.feedback import lifecycle
from feedback_api.auth.models import User
from feedback_api.orm import utcnow
from feedback_api.deps import MAX_PAGE, get_current_user, get_optional_user, get_session
from feedback_api.edge.idempotency import Receipt, claim_of
from feedback_api.errors import forbidden
from feedback_api.agencies.service import get_directory
from knowledge_base.directory import Directory
from feedback_api.feedback import intake, queries, transitions
from feedback_api.feedback.citizen_access import check_phone_digits
from feedback_api.feedback.models import Feedback
from feedback_api.feedback.schemas import (
    AgencyRef,
    AnswerBody,
    AssignBody,
    CitizenDetails,
    Contact,
    EmptyBody,
    FeedbackCreate,
    FeedbackCreated,
    MergeBody,
    ProvideInfoBody,
    PublicStatus,
    PublishBody,
    ReasonBody,
    RejectBody,
    ReplyTo,
    RequestInfoBody,
    StaffListItem,
    StaffView,
    TimelineEntry,
    TransferBody,
)
from feedback_api.feedback.context import CITIZEN, Actor, ServiceContext
from feedback_api.feedback.lifecycle import Action

router = APIRouter(tags=["feedback"])


def ctx_of(request: Request) -> ServiceContext:
    return request.app.state.service_context


class TransitionResult(BaseModel):
    code: str
    status: str
    status_label: str
    agency: str
    agency_name: str | None
    due_at: datetime


class PublicationEdit(BaseModel):
    text: str = Field(min_length=10, max_length=10000)


def _agency_ref(code: str, directory: Directory) -> AgencyRef:
    return AgencyRef(code=code, name=directory.name(code))


def _timeline(session: Session, item: Feedback) -> list[TimelineEntry]:
    return [
        TimelineEntry(at=e.at, action=e.action, status=e.to_status, status_label=queries.status_label(e.to_status),
                      agency=e.agency_code, reason=e.reason)
        for e in queries.timeline(session, item)
    ]


def _result(item: Feedback, directory: Directory) -> TransitionResult:
    return TransitionResult(code=item.code, status=item.status, status_label=queries.status_label(item.status),
                            agency=item.agency_code, agency_name=directory.name(item.agency_code), due_at=item.due_at)


def staff_view(session: Session, item: Feedback, directory: Directory) -> StaffView:
    contact = None
    if item.contact_name or item.contact_phone or item.contact_email:
        contact = Contact(name=item.contact_name, phone=item.contact_phone, email=item.contact_email)
    reply = ReplyTo(channel=item.reply_channel, chat_id=item.reply_chat_id) if item.reply_chat_id else None
    return StaffView(
        code=item.code, kind=item.kind, channel=item.channel, content=item.content, category=item.category,
        location=item.location, contact=contact, reply_to=reply, publish_consent=item.publish_consent,
        public_interest=item.public_interest, status=item.status, status_label=queries.status_label(item.status),
        agency=_agency_ref(item.agency_code, directory), routing_reason=item.routing_reason, routing_rule=item.routing_rule,
        received_at=item.received_at, forward_due_at=item.forward_due_at, due_at=item.due_at,
        overdue=queries.is_overdue(item), handled_at=item.handled_at, question=item.question,
        guidance=item.guidance, answer=item.answer, published_text=item.published_text,
        published_at=item.published_at, merged_into=item.merged_into, attachments=list(item.attachments or []),
        allowed_actions=sorted(str(a) for a in lifecycle.allowed_actions(item.status)),
        timeline=_timeline(session, item),
    )


# --- intake and queries --------------------------------------------------------------------------
@router.post("/feedback", status_code=201, response_model=FeedbackCreated)
def submit_feedback(
    request: Request,
    body: FeedbackCreate,
    session: Session = Depends(get_session),
    user: User | None = Depends(get_optional_user),
) -> FeedbackCreated:
    ctx = ctx_of(request)

    def render(item: Feedback) -> JSONResponse:
        created = FeedbackCreated(
            code=item.code, status=item.status, status_label=queries.status_label(item.status),
            agency=item.agency_code, agency_name=ctx.directory.name(item.agency_code), due_at=item.due_at,
            forward_due_at=item.forward_due_at,
        )
        return JSONResponse(created.model_dump(mode="json"), status_code=201)

    # The answer is rendered (and stored under an Idempotency-Key) inside the item's transaction.
    receipt = Receipt(claim_of(request), render)
    intake.create_feedback(session, ctx, body, Actor.of(user) if user else None, on_stored=receipt)
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
) -> dict:
    items, total = queries.list_items(session, Actor.of(user), status=status, agency=agency, overdue=overdue,
                                      channel=channel, chat_id=chat_id, page=page, size=size)
    now = utcnow()
    return {
        "items": [
            StaffListItem(
                code=i.code, kind=i.kind, channel=i.channel, status=i.status,
                status_label=queries.status_label(i.status), agency=i.agency_code, category=i.category,
                content=i.content, received_at=i.received_at, due_at=i.due_at, overdue=queries.is_overdue(i, now),
            ).model_dump(mode="json")
            for i in items
        ],
        "total": total,
        "page": page,
        "size": size,
    }


def _client_address(request: Request) -> str | None:
    """The address guesses are counted against; None for a signed-in account (the bot speaks for many)."""
    verifier = request.app.state.verifier
    return None if verifier.active_subject_sync(request.scope) else verifier.client_ip(request.scope)


@router.get("/feedback/{code}", response_model=PublicStatus, response_model_exclude_none=False)
def public_status(
    request: Request,
    code: str,
    session: Session = Depends(get_session),
    phone_last4: str | None = Query(None, pattern=r"^[0-9]{4}$"),
    directory: Directory = Depends(get_directory),
) -> PublicStatus:
    item = transitions.get_item(session, code)
    details = None
    if phone_last4 is not None:
        check_phone_digits(session, ctx_of(request).settings, item, phone_last4, _client_address(request),
                           "Bốn số cuối điện thoại không khớp với phản ánh này.")
        details = CitizenDetails(answer=item.answer, question=item.question, guidance=item.guidance,
                                 timeline=_timeline(session, item))
    return PublicStatus(
        code=item.code, kind=item.kind, status=item.status, status_label=queries.status_label(item.status),
        agency=_agency_ref(item.agency_code, directory), received_at=item.received_at, due_at=item.due_at,
        overdue=queries.is_overdue(item), published_answer=item.published_text, published_at=item.published_at,
        merged_into=item.merged_into, details=details,
    )


@router.get("/feedback/{code}/staff-view", response_model=StaffView)
def get_staff_view(code: str, session: Session = Depends(get_session),
                   user: User = Depends(get_current_user),
                   directory: Directory = Depends(get_directory)) -> StaffView:
    item = transitions.get_item(session, code)
    if not permissions.can_view(user.role, user_agency=user.agency_code, item_agency=item.agency_code):
        raise forbidden()
    return staff_view(session, item, directory)


# --- transitions ---------------------------------------------------------------------------------
def _act(request: Request, session: Session, code: str, action: Action, user: User, body=None) -> TransitionResult:
    ctx = ctx_of(request)
    return _result(transitions.apply_action(session, ctx, code, action, Actor.of(user), body), ctx.directory)


@router.post("/feedback/{code}/assign", response_model=TransitionResult)
def assign(request: Request, code: str, body: AssignBody, session: Session = Depends(get_session),
           user: User = Depends(get_current_user)):
    return _act(request, session, code, Action.assign, user, body)


@router.post("/feedback/{code}/start", response_model=TransitionResult)
def start(request: Request, code: str, body: EmptyBody | None = Body(None), session: Session = Depends(get_session),
          user: User = Depends(get_current_user)):
    return _act(request, session, code, Action.start, user, body)


@router.post("/feedback/{code}/transfer", response_model=TransitionResult)
def transfer(request: Request, code: str, body: TransferBody, session: Session = Depends(get_session),
             user: User = Depends(get_current_user)):
    return _act(request, session, code, Action.transfer, user, body)


@router.post("/feedback/{code}/return", response_model=TransitionResult)
def return_to_coordinator(request: Request, code: str, body: ReasonBody, session: Session = Depends(get_session),
                          user: User = Depends(get_current_user)):
    return _act(request, session, code, Action.return_to_coordinator, user, body)


@router.post("/feedback/{code}/request-info", response_model=TransitionResult)
def request_info(request: Request, code: str, body: RequestInfoBody, session: Session = Depends(get_session),
                 user: User = Depends(get_current_user)):
    return _act(request, session, code, Action.request_info, user, body)


@router.post("/feedback/{code}/provide-info", response_model=TransitionResult)
def provide_info(request: Request, code: str, body: ProvideInfoBody, session: Session = Depends(get_session),
                 user: User | None = Depends(get_optional_user)):
    if user is not None:
        actor = Actor.of(user)
    else:
        item = transitions.get_item(session, code)
        check_phone_digits(session, ctx_of(request).settings, item, body.phone_last4, _client_address(request),
                           "Cần 4 số cuối điện thoại đã đăng ký với phản ánh này để bổ sung thông tin.")
        session.rollback()  # release the read before the locking transaction
        actor = CITIZEN
    ctx = ctx_of(request)
    return _result(transitions.apply_action(session, ctx, code, Action.provide_info, actor, body), ctx.directory)


@router.post("/feedback/{code}/answer", response_model=TransitionResult)
def answer(request: Request, code: str, body: AnswerBody, session: Session = Depends(get_session),
           user: User = Depends(get_current_user)):
    return _act(request, session, code, Action.answer, user, body)


@router.post("/feedback/{code}/publish", response_model=TransitionResult)
def publish(request: Request, code: str, body: PublishBody | None = Body(None), session: Session = Depends(get_session),
            user: User = Depends(get_current_user)):
    return _act(request, session, code, Action.publish, user, body or PublishBody())


@router.post("/feedback/{code}/publication", response_model=TransitionResult)
def edit_publication(code: str, body: PublicationEdit, session: Session = Depends(get_session),
                     user: User = Depends(get_current_user), directory: Directory = Depends(get_directory)):
    return _result(transitions.edit_publication(session, code, Actor.of(user), body.text), directory)


@router.post("/feedback/{code}/close", response_model=TransitionResult)
def close(request: Request, code: str, body: EmptyBody | None = Body(None), session: Session = Depends(get_session),
          user: User = Depends(get_current_user)):
    return _act(request, session, code, Action.close, user, body)


@router.post("/feedback/{code}/reject", response_model=TransitionResult)
def reject(request: Request, code: str, body: RejectBody, session: Session = Depends(get_session),
           user: User = Depends(get_current_user)):
    return _act(request, session, code, Action.reject, user, body)


@router.post("/feedback/{code}/merge", response_model=TransitionResult)
def merge(request: Request, code: str, body: MergeBody, session: Session = Depends(get_session),
          user: User = Depends(get_current_user)):
    return _act(request, session, code, Action.merge, user, body)
