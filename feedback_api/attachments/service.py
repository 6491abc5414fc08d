"""Storing and checking image attachments (plain functions taking a session)."""
from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_api.attachments.models import Attachment
from feedback_api.orm import utcnow
from feedback_api.errors import ApiError

TOO_LARGE = "Ảnh đính kèm quá lớn (tối đa {limit}). Vui lòng chọn ảnh nhỏ hơn."
NOT_AN_IMAGE = "Chỉ nhận ảnh JPEG, PNG hoặc WebP. Tệp bạn gửi không phải là ảnh hợp lệ."
EMPTY = "Tệp đính kèm trống."
UNKNOWN = "Không tìm thấy tệp đính kèm: {ids}. Vui lòng tải ảnh lên lại."


class AttachmentError(ApiError):
    """Rendered by the app's ApiError handler as {"detail": <Vietnamese>, "code": ...}."""

    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(status, code, message)


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


def store(session: Session, settings, data: bytes) -> Attachment:
    if not data:
        raise AttachmentError(400, EMPTY, "attachment_empty")
    if len(data) > settings.max_attachment_bytes:
        from feedback_api.edge.size_limit import human_size

        raise AttachmentError(413, TOO_LARGE.format(limit=human_size(settings.max_attachment_bytes)),
                              "attachment_too_large")
    content_type = detect_image_type(data[:16])
    if content_type is None:
        raise AttachmentError(415, NOT_AN_IMAGE, "attachment_not_image")
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
    record = Attachment(id=attachment_id, content_type=content_type, size_bytes=len(data),
                        sha256=hashlib.sha256(data).hexdigest(), created_at=utcnow())
    session.add(record)
    try:
        session.commit()
    except Exception:
        final.unlink(missing_ok=True)
        raise
    return record


def validate_ids(session: Session, ids: list[str]) -> list[str]:
    """For intake: the given attachment ids, checked to exist (AttachmentError 422 otherwise)."""
    wanted = [str(i) for i in dict.fromkeys(ids)]
    if not wanted:
        return []
    well_formed = [i for i in wanted if _is_uuid(i)]
    found = set(session.scalars(select(Attachment.id).where(Attachment.id.in_(well_formed)))) if well_formed else set()
    missing = [i for i in wanted if i not in found]
    if missing:
        shown = ", ".join(m if _is_uuid(m) else "(mã không hợp lệ)" for m in missing[:5])
        raise AttachmentError(422, UNKNOWN.format(ids=shown), "attachment_unknown")
    return wanted


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except (ValueError, AttributeError, TypeError):
        return False


def open_path(settings, attachment: Attachment) -> Path:
    return attachments_dir(settings) / attachment.id
