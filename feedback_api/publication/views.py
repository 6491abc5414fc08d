"""Public list of published items: redacted content and answers only."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from feedback_api.deps import MAX_PAGE, get_directory, get_session
from feedback_api.feedback.schemas import AgencyRef, PublicItem
from feedback_api.publication import service
from knowledge_base.directory import Directory

router = APIRouter(tags=["publication"])


@router.get("/public/feedback")
def public_feedback(
    session: Session = Depends(get_session),
    q: str | None = Query(None, max_length=200),
    agency: str | None = Query(None, max_length=64),
    page: int = Query(1, ge=1, le=MAX_PAGE),
    size: int = Query(20, ge=1, le=100),
    directory: Directory = Depends(get_directory),
) -> dict:
    items, total = service.public_items(session, q=q, agency=agency, page=page, size=size)
    return {
        "items": [
            PublicItem(
                code=i.code,
                kind=i.kind,
                category=i.category,
                agency=AgencyRef(code=i.agency_code, name=directory.name(i.agency_code)),
                content=i.public_content or "",
                answer=i.published_text or "",
                received_at=i.received_at,
                published_at=i.published_at,
            ).model_dump(mode="json")
            for i in items
        ],
        "total": total,
        "page": page,
        "size": size,
    }
