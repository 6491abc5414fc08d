"""Diacritic folding for matching inside feedback_api.

feedback_api may depend only on knowledge_base (not on nlu), so it keeps this tiny helper instead of
importing nlu.normalize.fold. `fold_chars` keeps the string length (one output char per NFC input char)
so that a match found in the folded text maps back to the same span of the original.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


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
