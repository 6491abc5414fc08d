"""Text helpers shared by the section parsers: NFC with plain newlines, blank cells, squashed spaces."""

from __future__ import annotations

import unicodedata
from typing import Any

NO_INFO = "Không có thông tin"


def _nfc(text: Any) -> str:
    return unicodedata.normalize("NFC", str(text or "")).replace("\r\n", "\n").replace("\r", "\n")


def _blank(text: str) -> bool:
    return not text.strip() or text.strip().rstrip(".").lower() in ("không có thông tin", "không có")


def _squash(text: str) -> str:
    """Whitespace (newlines included) collapsed to single spaces."""
    return " ".join(text.split())
