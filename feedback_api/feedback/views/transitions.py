"""Status transitions: the officers' actions, the citizen's rating and additional information (the
phone digits stand in for a sign-in), editing the published answer."""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from feedback_api.auth.models import User
from feedback_api.deps import (
    get_current_user,
    get_directory,
    get_optional_user,
    get_service_context,
    get_session,
    get_verifier,
)
from feedback_api.edge.clients import TokenVerifier
from feedback_api.feedback import transitions, workspace
from feedback_api.feedback.citizen_access import check_phone_digits
from feedback_api.feedback.context import CITIZEN, Actor, ServiceContext
from feedback_api.feedback.lifecycle import Action
from feedback_api.feedback.schemas import (
    AnswerBody,
    AssignBody,
    EmptyBody,
    MergeBody,
    ProvideInfoBody,
    PublishBody,
    ReasonBody,
    RejectBody,
    RequestInfoBody,
    SatisfactionBody,
    TransferBody,
)
from feedback_api.feedback.views.common import TransitionResult, _client_address, _result
from knowledge_base.directory import Directory


class PublicationEdit(BaseModel):
    text: str = Field(min_length=10, max_length=10000)


router = APIRouter(tags=["feedback"])


def _acting_person(
    request: Request,
    verifier: TokenVerifier,
    ctx: ServiceContext,
    session: Session,
    code: str,
    user: User | None,
    phone_last4: str | None,
    purpose: str,
) -> Actor:
    """The signed-in staff member, or the citizen once the phone's last digits match (limited per code)."""
    if user is not None:
        return Actor.of(user)
    item = transitions.get_item(session, code)
    check_phone_digits(
        session,
        ctx.settings,
        item,
        phone_last4,
        _client_address(request, verifier),
        f"Cần 4 số cuối điện thoại đã đăng ký với phản ánh này {purpose}.",
    )
    session.rollback()  # release the read before the locking transaction
    return CITIZEN


@router.post("/feedback/{code}/satisfaction", response_model=TransitionResult)
def rate_answer(
    request: Request,
    code: str,
    body: SatisfactionBody,
    session: Session = Depends(get_session),
    user: User | None = Depends(get_optional_user),
    ctx: ServiceContext = Depends(get_service_context),
    verifier: TokenVerifier = Depends(get_verifier),
):
    """The citizen's "hài lòng" / "không hài lòng" (+ reason); not satisfied reopens the item."""
    actor = _acting_person(request, verifier, ctx, session, code, user, body.phone_last4, "để đánh giá")
    item = workspace.rate(session, ctx, code, actor, body.satisfied, body.reason)
    return _result(item, ctx.directory)


def _act(ctx: ServiceContext, session: Session, code: str, action: Action, user: User, body=None) -> TransitionResult:
    return _result(transitions.apply_action(session, ctx, code, action, Actor.of(user), body), ctx.directory)


@router.post("/feedback/{code}/assign", response_model=TransitionResult)
def assign(
    code: str,
    body: AssignBody,
    session: Session = Depends(get_session),
    user: User = Depends(get_current_user),
    ctx: ServiceContext = Depends(get_service_context),
):
    return _act(ctx, session, code, Action.assign, user, body)


@router.post("/feedback/{code}/start", response_model=TransitionResult)
def start(
    code: str,
    body: EmptyBody | None = Body(None),
    session: Session = Depends(get_session),
    user: User = Depends(get_current_user),
    ctx: ServiceContext = Depends(get_service_context),
):
    return _act(ctx, session, code, Action.start, user, body)


@router.post("/feedback/{code}/transfer", response_model=TransitionResult)
def transfer(
    code: str,
    body: TransferBody,
    session: Session = Depends(get_session),
    user: User = Depends(get_current_user),
    ctx: ServiceContext = Depends(get_service_context),
):
    return _act(ctx, session, code, Action.transfer, user, body)


@router.post("/feedback/{code}/return", response_model=TransitionResult)
def return_to_coordinator(
    code: str,
    body: ReasonBody,
    session: Session = Depends(get_session),
    user: User = Depends(get_current_user),
    ctx: ServiceContext = Depends(get_service_context),
):
    return _act(ctx, session, code, Action.return_to_coordinator, user, body)


@router.post("/feedback/{code}/request-info", response_model=TransitionResult)
def request_info(
    code: str,
    body: RequestInfoBody,
    session: Session = Depends(get_session),
    user: User = Depends(get_current_user),
    ctx: ServiceContext = Depends(get_service_context),
):
    return _act(ctx, session, code, Action.request_info, user, body)


@router.post("/feedback/{code}/provide-info", response_model=TransitionResult)
def provide_info(
    request: Request,
    code: str,
    body: ProvideInfoBody,
    session: Session = Depends(get_session),
    user: User | None = Depends(get_optional_user),
    ctx: ServiceContext = Depends(get_service_context),
    verifier: TokenVerifier = Depends(get_verifier),
):
    actor = _acting_person(request, verifier, ctx, session, code, user, body.phone_last4, "để bổ sung thông tin")
    return _result(transitions.apply_action(session, ctx, code, Action.provide_info, actor, body), ctx.directory)


@router.post("/feedback/{code}/answer", response_model=TransitionResult)
def answer(
    code: str,
    body: AnswerBody,
    session: Session = Depends(get_session),
    user: User = Depends(get_current_user),
    ctx: ServiceContext = Depends(get_service_context),
):
    return _act(ctx, session, code, Action.answer, user, body)


@router.post("/feedback/{code}/publish", response_model=TransitionResult)
def publish(
    code: str,
    body: PublishBody | None = Body(None),
    session: Session = Depends(get_session),
    user: User = Depends(get_current_user),
    ctx: ServiceContext = Depends(get_service_context),
):
    return _act(ctx, session, code, Action.publish, user, body or PublishBody())


@router.post("/feedback/{code}/publication", response_model=TransitionResult)
def edit_publication(
    code: str,
    body: PublicationEdit,
    session: Session = Depends(get_session),
    user: User = Depends(get_current_user),
    directory: Directory = Depends(get_directory),
):
    return _result(transitions.edit_publication(session, code, Actor.of(user), body.text), directory)


@router.post("/feedback/{code}/close", response_model=TransitionResult)
def close(
    code: str,
    body: EmptyBody | None = Body(None),
    session: Session = Depends(get_session),
    user: User = Depends(get_current_user),
    ctx: ServiceContext = Depends(get_service_context),
):
    return _act(ctx, session, code, Action.close, user, body)


@router.post("/feedback/{code}/reopen", response_model=TransitionResult)
def reopen(
    code: str,
    body: ReasonBody,
    session: Session = Depends(get_session),
    user: User = Depends(get_current_user),
    ctx: ServiceContext = Depends(get_service_context),
):
    """Reopen an answered item to the same agency with a new deadline (e.g. the citizen called 1022 not
    satisfied). Citizens themselves use /satisfaction."""
    return _act(ctx, session, code, Action.reopen, user, body)


@router.post("/feedback/{code}/reject", response_model=TransitionResult)
def reject(
    code: str,
    body: RejectBody,
    session: Session = Depends(get_session),
    user: User = Depends(get_current_user),
    ctx: ServiceContext = Depends(get_service_context),
):
    return _act(ctx, session, code, Action.reject, user, body)


@router.post("/feedback/{code}/merge", response_model=TransitionResult)
def merge(
    code: str,
    body: MergeBody,
    session: Session = Depends(get_session),
    user: User = Depends(get_current_user),
    ctx: ServiceContext = Depends(get_service_context),
):
    return _act(ctx, session, code, Action.merge, user, body)
