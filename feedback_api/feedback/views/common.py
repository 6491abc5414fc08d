"""What the feedback routers share: the transition answer, agency references, the caller's address."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from pydantic import BaseModel

from feedback_api.edge.clients import TokenVerifier
from feedback_api.feedback import lifecycle
from feedback_api.feedback.models import Feedback
from feedback_api.feedback.schemas import AgencyRef
from knowledge_base.directory import Directory


class TransitionResult(BaseModel):
    code: str
    status: str
    status_label: str
    agency: str
    agency_name: str | None
    due_at: datetime
    assignee: str | None = None


def _agency_ref(code: str, directory: Directory) -> AgencyRef:
    return AgencyRef(code=code, name=directory.name(code))


def _result(item: Feedback, directory: Directory) -> TransitionResult:
    return TransitionResult(
        code=item.code,
        status=item.status,
        status_label=lifecycle.status_label(item.status),
        agency=item.agency_code,
        agency_name=directory.name(item.agency_code),
        due_at=item.due_at,
    )


def _client_address(request: Request, verifier: TokenVerifier) -> str | None:
    """The address guesses are counted against; None for a signed-in account (the bot speaks for many)."""
    return None if verifier.active_subject_sync(request.scope) else verifier.client_ip(request.scope)
