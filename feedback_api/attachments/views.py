"""POST /api/v1/attachments (multipart `file`): an image ≤ settings.max_attachment_bytes -> {id, ...}."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from common.settings import Settings
from feedback_api.attachments import service
from feedback_api.attachments.models import Attachment, AttachmentRead
from feedback_api.auth import permissions
from feedback_api.auth.models import User
from feedback_api.deps import get_app_settings, get_session, get_sessionmaker, get_verifier, require_role
from feedback_api.edge.clients import TokenVerifier, bearer_token
from feedback_api.edge.guard import client_tag
from feedback_api.errors import ApiError

CHUNK = 256 * 1024


router = APIRouter(tags=["attachments"])


@router.post("/attachments", status_code=201, response_model=AttachmentRead)
async def upload_attachment(
    request: Request,
    file: UploadFile = File(...),
    settings: Settings = Depends(get_app_settings),
    maker: sessionmaker[Session] = Depends(get_sessionmaker),
    verifier: TokenVerifier = Depends(get_verifier),
):
    # Staff and the bot (uploading citizens' photos from Zalo/Telegram) are not counted; anyone else
    # is, per client address, so one client cannot fill the disk (unlinked uploads are deleted too).
    staff = await verifier.active_subject(bearer_token(request.scope))
    uploader = None if staff else client_tag(verifier.client_ip(request.scope), settings)
    limit = settings.max_attachment_bytes
    data = bytearray()
    while chunk := await file.read(CHUNK):
        data += chunk
        if len(data) > limit:
            break  # stop reading: already too large, service.store refuses it (TooLarge, 413)

    def store() -> AttachmentRead:
        with maker() as session:
            record = service.store(session, settings, bytes(data), uploader)
            return AttachmentRead(id=record.id, content_type=record.content_type, size=record.size_bytes)

    return await run_in_threadpool(store)


# Staff open the photos of the items they handle; ids are random UUIDs seen only in staff views.
@router.get("/attachments/{attachment_id}")
def download_attachment(
    attachment_id: str,
    session: Session = Depends(get_session),
    user: User = Depends(require_role("operator", "staff", "supervisor", "admin")),
    settings: Settings = Depends(get_app_settings),
):
    # The request's own session: SQLite allows one writer and sessions begin IMMEDIATE.
    record = session.get(Attachment, attachment_id) if service._is_uuid(attachment_id) else None
    path = service.open_path(settings, record) if record is not None else None
    if record is None or path is None or not path.exists():
        raise ApiError(404, "not_found", "Không tìm thấy tệp đính kèm.")
    # The same rule as the item's staff view: staff see their own agency's items' photos only. An
    # upload not attached to any item is nobody's item: only roles that see every agency open it.
    agencies: set[str | None] = {*service.owning_agencies(session, attachment_id)} or {None}
    if not any(permissions.can_view(user.role, user_agency=user.agency_code, item_agency=a) for a in agencies):
        raise ApiError(404, "not_found", "Không tìm thấy tệp đính kèm.")
    return FileResponse(
        path,
        media_type=record.content_type,
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"},
    )
