"""Attachments raise domain errors (feedback_api.domain); feedback_api.errors gives each its HTTP status."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from feedback_api.attachments import service
from feedback_api.domain import DomainError, Invalid, QuotaExceeded, TooLarge, Unprocessable, UnsupportedType
from feedback_api.errors import install_error_handlers

PNG_HEAD = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


def _settings(tmp_path, **changes):
    return SimpleNamespace(**{"max_attachment_bytes": 1024, "data_dir": str(tmp_path), **changes})


@pytest.mark.parametrize(
    ("data", "kind", "code"),
    [
        (b"", Invalid, "attachment_empty"),
        (PNG_HEAD + b"\x00" * 2048, TooLarge, "attachment_too_large"),
        (b"not an image at all", UnsupportedType, "attachment_not_image"),
    ],
)
def test_store_refuses_with_domain_errors(tmp_path, data, kind, code):
    # Refused before anything is read or written: no session is needed.
    with pytest.raises(kind) as caught:
        service.store(None, _settings(tmp_path), data)
    assert caught.value.code == code and caught.value.detail
    assert not (tmp_path / "attachments").exists()


def test_too_large_names_the_limit_in_vietnamese(tmp_path):
    with pytest.raises(TooLarge) as caught:
        service.store(None, _settings(tmp_path), PNG_HEAD + b"\x00" * 2048)
    assert caught.value.detail == "Ảnh đính kèm quá lớn (tối đa 1 KB). Vui lòng chọn ảnh nhỏ hơn."


def _raising(error: DomainError) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    def boom():
        raise error

    return TestClient(app)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (Invalid(service.EMPTY, "attachment_empty"), 400),
        (TooLarge("quá lớn", "attachment_too_large"), 413),
        (UnsupportedType(service.NOT_AN_IMAGE, "attachment_not_image"), 415),
        (Unprocessable("không có", "attachment_unknown"), 422),
    ],
)
def test_each_error_kind_has_its_status_and_body(error, status):
    response = _raising(error).get("/boom")
    assert response.status_code == status
    assert response.json() == {"detail": error.detail, "code": error.code}
    assert "retry-after" not in response.headers


def test_quota_exceeded_is_429_with_retry_after():
    error = QuotaExceeded(service.QUOTA, "upload_quota", retry_after=service.QUOTA_RETRY_SECONDS)
    response = _raising(error).get("/boom")
    assert response.status_code == 429 and response.headers["retry-after"] == "3600"
    assert response.json() == {"detail": service.QUOTA, "code": "upload_quota"}
