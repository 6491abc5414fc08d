"""Publication: who may publish, redacted public wording, the public list and its search.

Published text = redaction.redact(staff-edited text or the answer, known_names=[contact name]); the
item's content is published redacted too. Only redacted text is ever stored in the public columns.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from common.text import fold
from feedback_api.auth.permissions import Role
from feedback_api.domain import Forbidden, Unprocessable
from feedback_api.feedback.models import Feedback
from feedback_api.publication import redaction


def fold_for_search(text: str) -> str:
    """Lowercase, without Vietnamese diacritics (đ -> d): "Đường" and "duong" match each other."""
    return fold(text)


def known_names(item: Feedback) -> list[str]:
    return [item.contact_name] if item.contact_name else []


def publish(item: Feedback, actor, body, now: datetime) -> None:
    """Set the public wording; without the citizen's consent only a supervisor's public-interest
    decision (with a reason) allows it. `actor` has a `.role`; `body` is a PublishBody or None."""
    if not item.publish_consent:
        if not (body and body.public_interest):
            raise Forbidden(
                "Công dân chưa đồng ý công khai. Chỉ lãnh đạo được công khai vì lợi ích cộng đồng "
                "(public_interest kèm lý do).",
                "publish_consent_required",
            )
        if actor.role not in (Role.supervisor, Role.admin):
            raise Forbidden(
                "Chỉ lãnh đạo mới được quyết định công khai vì lợi ích cộng đồng.", "public_interest_supervisor_only"
            )
        if not (body.reason and body.reason.strip()):
            raise Unprocessable(
                "Công khai vì lợi ích cộng đồng cần nêu lý do (trường “reason”).", "public_interest_reason_required"
            )
        item.public_interest = True
        item.public_interest_reason = body.reason
    source = (body.text if body is not None and body.text else None) or item.answer or ""
    set_publication(item, source, now)


def set_publication(item: Feedback, text: str, now: datetime) -> None:
    names = known_names(item)
    item.published_text = redaction.redact(text, known_names=names)
    item.public_content = redaction.redact(item.content, known_names=names)
    item.search_text = fold_for_search(f"{item.public_content}\n{item.published_text}")
    item.published_at = item.published_at or now


def public_items(
    session: Session, *, q: str | None = None, agency: str | None = None, page: int = 1, size: int = 20
) -> tuple[list[Feedback], int]:
    """Published items only (status published or closed after publication)."""
    conditions: list[ColumnElement[bool]] = [Feedback.published_at.is_not(None)]
    if agency:
        conditions.append(Feedback.agency_code == agency)
    if q:
        for term in fold_for_search(q).split():
            escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append(Feedback.search_text.like(f"%{escaped}%", escape="\\"))
    where = and_(*conditions)
    total = session.scalar(select(func.count()).select_from(Feedback).where(where)) or 0
    rows = session.scalars(
        select(Feedback)
        .where(where)
        .order_by(Feedback.published_at.desc(), Feedback.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    )
    return list(rows), total
