"""Storing and checking image attachments (plain functions taking a session)."""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from feedback_api.attachments.models import Attachment
from feedback_api.domain import Invalid, QuotaExceeded, TooLarge, Unprocessable, UnsupportedType
from feedback_api.orm import utcnow

TOO_LARGE = "Ảnh đính kèm quá lớn (tối đa {limit}). Vui lòng chọn ảnh nhỏ hơn."
NOT_AN_IMAGE = "Chỉ nhận ảnh JPEG, PNG hoặc WebP. Tệp bạn gửi không phải là ảnh hợp lệ."
EMPTY = "Tệp đính kèm trống."
UNKNOWN = "Không tìm thấy tệp đính kèm: {ids}. Vui lòng tải ảnh lên lại."
QUOTA = "Bạn đã tải lên quá nhiều ảnh trong 24 giờ qua. Vui lòng gửi phản ánh với các ảnh đã tải, hoặc thử lại sau."
QUOTA_RETRY_SECONDS = 3600


def detect_image_type(head: bytes) -> str | None:
    """MIME type from the file's own signature, never from what the client claims.

    Three fixed signatures, so no magic-number library: JPEG FF D8 FF, PNG's 8-byte header,
    WebP = RIFF....WEBP.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def attachments_dir(settings) -> Path:
    return Path(settings.data_dir) / "attachments"


def check_quota(session: Session, settings, uploader: str, size: int, now: datetime | None = None) -> None:
    """Anonymous uploads per client and day: files and bytes (QuotaExceeded beyond either)."""
    since = (now or utcnow()) - timedelta(days=1)
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(Attachment.size_bytes), 0)).where(
            Attachment.uploader == uploader, Attachment.created_at >= since
        )
    ).one()
    if count + 1 > settings.upload_max_files_per_day or total + size > settings.upload_max_bytes_per_day:
        raise QuotaExceeded(QUOTA, "upload_quota", retry_after=QUOTA_RETRY_SECONDS)


def store(session: Session, settings, data: bytes, uploader: str | None = None) -> Attachment:
    """Store an image; `uploader` (a keyed client hash) is set for anonymous uploads and enforces the quota.

    Raises Invalid (empty), TooLarge (over settings.max_attachment_bytes), UnsupportedType (not a JPEG, PNG
    or WebP image) or QuotaExceeded.
    """
    if not data:
        raise Invalid(EMPTY, "attachment_empty")
    if len(data) > settings.max_attachment_bytes:
        from feedback_api.edge.size_limit import human_size

        raise TooLarge(TOO_LARGE.format(limit=human_size(settings.max_attachment_bytes)), "attachment_too_large")
    content_type = detect_image_type(data[:16])
    if content_type is None:
        raise UnsupportedType(NOT_AN_IMAGE, "attachment_not_image")
    if uploader is not None:
        check_quota(session, settings, uploader, len(data))
    attachment_id = str(uuid.uuid4())
    directory = attachments_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    # Write to a temporary name and rename: a crash never leaves a half file under a valid id.
    final = directory / attachment_id
    partial = directory / f".{attachment_id}.part"
    with open(partial, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, final)
    record = Attachment(
        id=attachment_id,
        content_type=content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        created_at=utcnow(),
        uploader=uploader,
    )
    session.add(record)
    try:
        session.commit()
    except Exception:
        final.unlink(missing_ok=True)
        raise
    return record


def validate_ids(session: Session, ids: list[str]) -> list[str]:
    """For intake: the given attachment ids, checked to exist (Unprocessable otherwise)."""
    wanted = [str(i) for i in dict.fromkeys(ids)]
    if not wanted:
        return []
    well_formed = [i for i in wanted if _is_uuid(i)]
    found = set(session.scalars(select(Attachment.id).where(Attachment.id.in_(well_formed)))) if well_formed else set()
    missing = [i for i in wanted if i not in found]
    if missing:
        shown = ", ".join(m if _is_uuid(m) else "(mã không hợp lệ)" for m in missing[:5])
        raise Unprocessable(UNKNOWN.format(ids=shown), "attachment_unknown")
    return wanted


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except (ValueError, AttributeError, TypeError):
        return False


def open_path(settings, attachment: Attachment) -> Path:
    return attachments_dir(settings) / attachment.id


def _referencing(attachment_id: str):
    """Items whose attachment list holds `attachment_id` (the JSON list compared as text: a UUID has no
    characters LIKE or JSON would treat specially, and it works alike on SQLite and PostgreSQL)."""
    from feedback_api.feedback.models import Feedback

    return cast(Feedback.attachments, String).like(f'%"{attachment_id}"%')


def owning_agencies(session: Session, attachment_id: str) -> set[str]:
    """Agencies of the items an attachment is attached to (empty: not attached to any item)."""
    from feedback_api.feedback.models import Feedback

    if not _is_uuid(attachment_id):
        return set()
    return set(session.scalars(select(Feedback.agency_code).where(_referencing(attachment_id))))


def cleanup_unlinked(session: Session, settings, now: datetime | None = None, batch: int = 500) -> int:
    """Delete uploads older than settings.unlinked_attachment_hours that no item references; mark the
    referenced ones linked so they are not looked at again. Returns the number deleted."""
    from feedback_api.feedback.models import Feedback

    now = now or utcnow()
    cutoff = now - timedelta(hours=settings.unlinked_attachment_hours)
    candidates = list(
        session.scalars(
            select(Attachment)
            .where(Attachment.linked_at.is_(None), Attachment.created_at < cutoff)
            .order_by(Attachment.created_at)
            .limit(batch)
            .with_for_update(skip_locked=True)  # PostgreSQL: two workers never take the same rows
        )
    )
    if not candidates:
        return 0
    # Only items created after the oldest candidate can reference one: bounded scan of their lists.
    oldest = min(a.created_at for a in candidates)
    referenced: set[str] = set()
    for ids in session.scalars(select(Feedback.attachments).where(Feedback.created_at >= oldest)):
        referenced.update(str(i) for i in ids or [])
    deleted = 0
    for attachment in candidates:
        if attachment.id in referenced:
            attachment.linked_at = now
            continue
        session.delete(attachment)
        deleted += 1
    session.commit()  # rows first: a file without a row is harmless, a row without a file is a 404
    directory = attachments_dir(settings)
    for attachment in candidates:
        if attachment.id not in referenced:
            (directory / attachment.id).unlink(missing_ok=True)
    return deleted
