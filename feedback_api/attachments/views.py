"""POST /api/v1/attachments (multipart `file`): an image ≤ settings.max_attachment_bytes -> {id, ...}."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from feedback_api.attachments import service
from feedback_api.attachments.models import Attachment, AttachmentRead
from feedback_api.deps import get_session, require_role
from feedback_api.errors import ApiError

CHUNK = 256 * 1024


def build_router(settings, sessionmaker) -> APIRouter:
    router = APIRouter(tags=["attachments"])

    def _store(data: bytes):
        with sessionmaker() as session:
            record = service.store(session, settings, data)
            return AttachmentRead(id=record.id, content_type=record.content_type, size=record.size_bytes)

    @router.post("/attachments", status_code=201, response_model=AttachmentRead)
    async def upload_attachment(file: UploadFile = File(...)):
        limit = settings.max_attachment_bytes
        data = bytearray()
        while chunk := await file.read(CHUNK):
            data += chunk
            if len(data) > limit:
                break  # stop reading: already too large, service.store answers 413
        return await run_in_threadpool(_store, bytes(data))

    # Staff open the photos of the items they handle; ids are random UUIDs seen only in staff views.
    @router.get("/attachments/{attachment_id}",
                dependencies=[Depends(require_role("operator", "staff", "supervisor", "admin"))])
    def download_attachment(attachment_id: str, session: Session = Depends(get_session)):
        # The request's own session: SQLite allows one writer and sessions begin IMMEDIATE.
        record = session.get(Attachment, attachment_id) if service._is_uuid(attachment_id) else None
        path = service.open_path(settings, record) if record else None
        if record is None or not path.exists():
            raise ApiError(404, "not_found", "Không tìm thấy tệp đính kèm.")
        return FileResponse(path, media_type=record.content_type,
                            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"})

    return router
