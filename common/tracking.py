"""Tracking codes as citizens type them: one pure function used by the bot, the API and (mirrored in
common.js, checked by a test) the lookup page.

The canonical form is `PA-<year>-<6-digit sequence>`. People write "pa 2026 12", "PA2026000012",
"pa-2026-12", "Pa.2026.000012" or "mã PA 2026-12"; all mean PA-2026-000012.
"""

from __future__ import annotations

import re

_SEP = r"[\s\-_./–—:#]*"
# A whole input that is a code (the lookup page's box, the API path).
_WHOLE_RE = re.compile(rf"^\s*pa{_SEP}([0-9]{{4}}){_SEP}([0-9]{{1,6}})\s*$", re.IGNORECASE)
# A code inside a sentence ("mã của tôi là pa 2026 12 ạ"): "pa" must start a word.
_SEARCH_RE = re.compile(rf"(?<![a-z0-9])pa{_SEP}([0-9]{{4}}){_SEP}([0-9]{{1,6}})(?![0-9])", re.IGNORECASE)


def _canonical(year: str, seq: str) -> str:
    return f"PA-{year}-{int(seq):06d}"


def normalize_tracking_code(text: str | None) -> str | None:
    """The canonical code when the whole of `text` is a tracking code in any loose form, else None."""
    if not text or len(text) > 64:
        return None
    match = _WHOLE_RE.match(text)
    return _canonical(match.group(1), match.group(2)) if match else None


def find_tracking_code(text: str | None) -> str | None:
    """The first tracking code written anywhere in `text`, canonical, else None."""
    match = _SEARCH_RE.search(text or "")
    return _canonical(match.group(1), match.group(2)) if match else None
