"""POST /api/v1/attachments (multipart `file`): an image ≤ settings.max_attachment_bytes -> {id, ...}."""
from __future__ import annotations

from fastapi import APIRouter, File, UploadFile
from starlette.concurrency import run_in_threadpool

from feedback_api.attachments import service
from feedback_api.attachments.models import AttachmentRead

CHUNK = 256 * 1024


def build_router(settings, sessionmaker) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["attachments"])

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

    return router
