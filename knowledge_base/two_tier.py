"""Published text read in the two-tier model of local government (from 01/7/2025: provinces and
communes; no district level, and thị trấn are gone: cấp xã = xã, phường, đặc khu — Luật Tổ chức chính
quyền địa phương 2025, Điều 2; the plan as reported: https://nld.com.vn/de-xuat-cham-dut-mo-hinh-chinh-
quyen-do-thi-o-ha-noi-tp-hcm-da-nang-hai-phong-196250325081340847.htm).

Records of the national TTHC database published before the reform still send citizens to "Ủy ban nhân
dân xã, phường, thị trấn": `modernise` names such agencies as they read today ("Ủy ban nhân dân cấp
xã"); `former_unit` finds what remains that names a unit that no longer exists (an answer then carries a
caveat, a curated record is reported). Pure functions over text.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Today's generic name of a commune-level agency, and how records published before the reform name it.
FORMER_AGENCIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Ủy ban nhân dân cấp xã",
        (
            "Ủy ban nhân dân xã, phường, thị trấn",
            "Ủy ban nhân dân cấp xã, phường, thị trấn",
            "UBND xã, phường, thị trấn",
            "UBND cấp xã, phường, thị trấn",
        ),
    ),
    ("Công an cấp xã", ("Công an xã, phường, thị trấn", "Công an cấp xã, phường, thị trấn")),
)

# Units that no longer exist, as they appear in text.
FORMER_UNITS = re.compile(
    r"(?<!\w)(?:cấp huyện|ủy ban nhân dân huyện|uỷ ban nhân dân huyện|ubnd huyện|tỉnh quảng nam|thị trấn)(?!\w)",
    re.IGNORECASE,
)


def phrase_regex(phrase: str) -> str:
    """`phrase` as a regex: both tone-mark placements ("Ủy"/"Uỷ"), any run of spaces, spaces around
    commas ("XÃ ,PHƯỜNG"); to be matched case-insensitively."""
    tokens = re.findall(r"[^\s,]+|,", phrase)
    body = re.escape(tokens[0]) if tokens else ""
    for before, token in zip(tokens, tokens[1:], strict=False):
        body += (r"\s*" if "," in (before, token) else r"\s+") + re.escape(token)
    return body.replace("Ủy", "(?:Ủy|Uỷ)").replace("ủy", "(?:ủy|uỷ)")


@lru_cache(maxsize=64)
def mentions(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """Any of `phrases` as whole words, case-insensitively, the longest first."""
    pattern = "|".join(phrase_regex(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.IGNORECASE)


def modernise(text: str) -> str:
    """Commune-level agencies named as before the reform ("Uỷ ban Nhân dân cấp xã, phường, thị trấn")
    as they read today ("Ủy ban nhân dân cấp xã"); other text unchanged."""
    for today, former in FORMER_AGENCIES:
        if text:
            text = mentions(former).sub(today, text)
    return text


def former_unit(text: str) -> str | None:
    """The first mention of a unit that no longer exists, once agencies are modernised; None if none."""
    if not FORMER_UNITS.search(text):  # (modernising adds no mention: most records skip it)
        return None
    match = FORMER_UNITS.search(modernise(text))
    return match.group(0) if match else None
