"""Uploads through the API: an image is checked by its content, not by what the client claims; the size
limit; who may open an upload; intake takes known ids only."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from tests.feedback_api.conftest import BODY, client_with, count_items


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def test_image_upload_checked_by_content_not_by_claim(client, settings, tokens):
    image = png_bytes()
    # The client claims octet-stream: the bytes say PNG.
    response = client.post("/api/v1/attachments", files={"file": ("anh.bin", image, "application/octet-stream")})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["content_type"] == "image/png" and body["size"] == len(image)
    stored = Path(settings.data_dir) / "attachments" / body["id"]
    assert stored.read_bytes() == image

    # Roles that see every agency open an upload not yet on an item (staff only their items' photos).
    assert client.get(f"/api/v1/attachments/{body['id']}").status_code == 401
    opened = client.get(f"/api/v1/attachments/{body['id']}", headers=tokens["operator"])
    assert opened.status_code == 200 and opened.content == image
    assert opened.headers["content-type"] == "image/png" and opened.headers["x-content-type-options"] == "nosniff"
    assert (
        client.get("/api/v1/attachments/0f8fad5b-d9cb-469f-a165-70867728950e", headers=tokens["staff"]).status_code
        == 404
    )
    assert client.get("/api/v1/attachments/..%2F..%2Fsecrets", headers=tokens["staff"]).status_code == 404

    # A text file claiming to be a PNG is refused.
    fake = client.post("/api/v1/attachments", files={"file": ("anh.png", b"not an image at all", "image/png")})
    assert fake.status_code == 415 and fake.json()["code"] == "attachment_not_image"
    assert "JPEG, PNG hoặc WebP" in fake.json()["detail"]

    # Intake accepts the uploaded id, and refuses unknown ones.
    created = client.post("/api/v1/feedback", json={**BODY, "attachments": [body["id"]]})
    assert created.status_code == 201
    unknown = client.post("/api/v1/feedback", json={**BODY, "attachments": ["0f8fad5b-d9cb-469f-a165-70867728950e"]})
    assert unknown.status_code == 422 and unknown.json()["code"] == "attachment_unknown"
    assert count_items(settings) == 1


def test_attachment_too_large_is_413(settings):
    client = client_with(settings, max_attachment_bytes=1024)
    big = png_bytes() + b"\x00" * 2048
    response = client.post("/api/v1/attachments", files={"file": ("anh.png", big, "image/png")})
    assert response.status_code == 413
    assert response.json()["code"] == "attachment_too_large" and "1 KB" in response.json()["detail"]
    assert not list((Path(settings.data_dir) / "attachments").glob("*"))
