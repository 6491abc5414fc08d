"""Vietnamese diacritic folding, the one implementation every part uses.

`fold_diacritics` strips the marks and keeps case; `fold_chars` also lowercases and keeps the string
length (one output char per NFC input char), so that a match found in the folded text maps back to the
same span of the original (redaction needs that); `fold` is the plain matching form. nlu.normalize.fold
adds the chat-specific normalisation (abbreviations, teencode, tone placement) on top of these.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


def fold_diacritics(text: str) -> str:
    """Strip diacritics (every combining mark) and map đ/Đ to d/D; NFC in, NFC out."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped.replace("đ", "d").replace("Đ", "D"))


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    lowered = base.lower()
    return lowered if len(lowered) == 1 else ch


def fold_chars(text: str) -> str:
    """Lowercase, diacritics stripped, đ -> d, char by char: len(fold_chars(t)) == len(t) for NFC t."""
    return "".join(_fold_char(ch) for ch in text)


def fold(text: str) -> str:
    """Matching form: NFC, lowercase, no diacritics, whitespace collapsed ("Tam Kỳ" -> "tam ky")."""
    return re.sub(r"\s+", " ", fold_chars(unicodedata.normalize("NFC", text))).strip()


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def loggable(text: str, limit: int = 300) -> str:
    """`text` safe for a log line: control, line-breaking and bidi characters escaped (\\x00, \\u202e), so a
    request path cannot inject raw NUL bytes, fake log lines or reorder what an operator reads; cut."""
    text = _CONTROL.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text
    )
    return text if len(text) <= limit else text[:limit] + "…"
