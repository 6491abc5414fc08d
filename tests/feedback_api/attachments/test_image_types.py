"""Uploaded images are recognised by their bytes (a pure rule), never by the name or type claimed."""

from __future__ import annotations

from feedback_api.attachments.service import detect_image_type

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 "


def test_image_types_by_magic_bytes_only():
    assert detect_image_type(PNG) == "image/png"
    assert detect_image_type(JPEG) == "image/jpeg"
    assert detect_image_type(WEBP) == "image/webp"
    assert detect_image_type(b"GIF89a......") is None
    assert detect_image_type(b"%PDF-1.7\n") is None
    assert detect_image_type(b"RIFF\x24\x00\x00\x00WAVEfmt ") is None
    assert detect_image_type(b"") is None
