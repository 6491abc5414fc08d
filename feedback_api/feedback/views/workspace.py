"""The officers' workspace: inbox badges, officers of an agency, claiming an item, internal notes."""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends, Query
from sqlalchemy.orm import Session

from feedback_api.auth import permissions
from feedback_api.auth.models import User
from feedback_api.deps import get_current_user, get_service_context, get_session
from feedback_api.errors import forbidden
from feedback_api.feedback import queries, transitions, workspace
from feedback_api.feedback.context import Actor, ServiceContext
from feedback_api.feedback.schemas import ClaimBody, Note, NoteBody
from feedback_api.feedback.views.common import TransitionResult, _result

router = APIRouter(tags=["feedback"])


@router.get("/staff/inbox-counts")
def inbox_counts(session: Session = Depends(get_session), user: User = Depends(get_current_user)) -> dict:
    """Badges of the signed-in officer: unread, mine, unassigned, overdue, open."""
    return queries.inbox_counts(session, Actor.of(user))


@router.get("/staff/officers")
def list_officers(
    agency: str | None = Query(None, max_length=64),
    session: Session = Depends(get_session),
    user: User = Depends(get_current_user),
) -> dict:
    agency = agency or user.agency_code
    if not agency:
        raise forbidden("Chọn cơ quan để xem danh sách cán bộ.", "agency_required")
    return {"agency": agency, "officers": workspace.officers(session, Actor.of(user), agency)}


@router.post("/feedback/{code}/claim", response_model=TransitionResult)
def claim(
    code: str,
    body: ClaimBody | None = Body(None),
    session: Session = Depends(get_session),
    user: User = Depends(get_current_user),
    ctx: ServiceContext = Depends(get_service_context),
):
    body = body or ClaimBody()
    item = workspace.claim(session, code, Actor.of(user), body.assignee, body.release)
    result = _result(item, ctx.directory)
    return result.model_copy(update={"assignee": item.assignee})


@router.get("/feedback/{code}/notes", response_model=list[Note])
def list_notes(code: str, session: Session = Depends(get_session), user: User = Depends(get_current_user)):
    item = transitions.get_item(session, code)
    if not permissions.can(
        user.role, permissions.Extra.note, user_agency=user.agency_code, item_agency=item.agency_code
    ):
        raise forbidden()
    return [
        Note(id=n.id, author=n.author, body=n.body, created_at=n.created_at) for n in workspace.notes(session, item)
    ]


@router.post("/feedback/{code}/notes", response_model=Note, status_code=201)
def add_note(
    code: str, body: NoteBody, session: Session = Depends(get_session), user: User = Depends(get_current_user)
):
    note = workspace.add_note(session, code, Actor.of(user), body.body)
    return Note(id=note.id, author=note.author, body=note.body, created_at=note.created_at)
