"""Issue 10: the anonymous upload quota and the cleanup of unlinked uploads (defect 6), the item's agency
checked on download (defect 8); each fails on the code before the fix."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from feedback_api.feedback.lifecycle import Action
from tests.feedback_api.conftest import client_with

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_anonymous_upload_quota_per_client(settings, tokens):
    client = client_with(settings, upload_max_files_per_day=2)

    def upload(headers=None):
        return client.post("/api/v1/attachments", files={"file": ("a.png", PNG, "image/png")}, headers=headers or {})

    assert [upload().status_code for _ in range(2)] == [201, 201]
    over = upload()
    assert over.status_code == 429 and over.json()["code"] == "upload_quota" and "24 giờ" in over.json()["detail"]
    assert upload(tokens["operator"]).status_code == 201  # the bot uploads citizens' photos: not counted


def test_cleanup_deletes_only_unlinked_old_uploads(api, settings):
    from feedback_api.attachments.models import Attachment
    from feedback_api.attachments.service import cleanup_unlinked
    from feedback_api.db import get_sessionmaker

    ids = [
        api.client.post("/api/v1/attachments", files={"file": ("a.png", PNG, "image/png")}).json()["id"]
        for _ in range(3)
    ]
    linked, orphan, recent = ids
    api.submit(attachments=[linked])
    maker = get_sessionmaker(settings)
    with maker() as session:
        old = session.get(Attachment, recent).created_at - timedelta(hours=30)
        session.execute(update(Attachment).where(Attachment.id.in_([linked, orphan])).values(created_at=old))
        session.commit()
    with maker() as session:
        assert cleanup_unlinked(session, settings) == 1
    folder = Path(settings.data_dir) / "attachments"
    assert not (folder / orphan).exists() and (folder / linked).exists() and (folder / recent).exists()
    with maker() as session:
        assert session.get(Attachment, orphan) is None
        assert session.get(Attachment, linked).linked_at is not None
        assert session.get(Attachment, recent).linked_at is None
        assert cleanup_unlinked(session, settings) == 0


def test_attachment_download_checks_the_items_agency(api, tokens):
    attachment = api.client.post("/api/v1/attachments", files={"file": ("a.png", PNG, "image/png")}).json()["id"]
    code = api.submit(attachments=[attachment])["code"]
    assert api.act(code, Action.assign, {"agency": api.staff_agency}, tokens["supervisor"]).status_code == 200
    assert api.client.get(f"/api/v1/attachments/{attachment}", headers=tokens["staff"]).status_code == 200
    assert api.client.get(f"/api/v1/attachments/{attachment}", headers=tokens["staff_other"]).status_code == 404
    assert api.client.get(f"/api/v1/attachments/{attachment}", headers=tokens["supervisor"]).status_code == 200
