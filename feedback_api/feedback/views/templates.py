"""Answer templates of an agency: list, add, delete."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from feedback_api.auth.models import User
from feedback_api.deps import get_current_user, get_service_context, get_session
from feedback_api.feedback import workspace
from feedback_api.feedback.context import Actor, ServiceContext
from feedback_api.feedback.schemas import Template, TemplateBody

router = APIRouter(tags=["feedback"])


def _template(t) -> Template:
    return Template(
        id=t.id, agency=t.agency_code, title=t.title, body=t.body, created_by=t.created_by, created_at=t.created_at
    )


@router.get("/answer-templates", response_model=list[Template])
def list_templates(
    agency: str | None = Query(None, max_length=64),
    session: Session = Depends(get_session),
    user: User = Depends(get_current_user),
):
    return [_template(t) for t in workspace.templates(session, Actor.of(user), agency)]


@router.post("/answer-templates", response_model=Template, status_code=201)
def add_template(
    body: TemplateBody,
    session: Session = Depends(get_session),
    user: User = Depends(get_current_user),
    ctx: ServiceContext = Depends(get_service_context),
):
    return _template(workspace.add_template(session, ctx, Actor.of(user), body.agency, body.title, body.body))


@router.delete("/answer-templates/{template_id}", status_code=204)
def delete_template(
    template_id: int = Path(ge=1, le=2**31 - 1),  # a database integer; larger ids cannot exist
    session: Session = Depends(get_session),
    user: User = Depends(get_current_user),
):
    workspace.delete_template(session, Actor.of(user), template_id)
