"""\"Căn cứ pháp lý\": title + code pairs run together."""

from __future__ import annotations

import re

from knowledge_base.crawl.text import _blank, _nfc, _squash

_LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"
_UPPER = "A-ZĐƯƠÂÊÔĂ"
_ISSUER = rf"(?:[{_UPPER}]*QH\d{{2}}|TTg|[{_UPPER}]+)"
_DOC_CODE = re.compile(rf"\d+(?:/\d{{4}})?/{_ISSUER}(?:-{_ISSUER})*")
# all-caps title words a greedy issuer code could swallow: "25/2021/TT-BTCQUY ĐỊNH MỨC THU"
_CAPS_TITLE_STARTS = ("QUY", "QUYẾT", "NGHỊ", "THÔNG", "LUẬT", "VĂN", "HƯỚNG", "SỬA", "BỘ", "PHÁP", "BAN")


def _code_matches(text: str) -> list[tuple[int, int]]:
    """(start, end) of document codes, trimmed so a glued next title keeps its first letters."""
    spans = []
    for match in _DOC_CODE.finditer(text):
        start, end = match.span()
        number = match.group(0).split("/", 1)[0]
        if len(number) > 4 and re.search(r"\d{1,2}/\d{1,2}/$", text[:start]):
            start += 4  # "ngày 30/12/202552/2025/QĐ-TTg": the date's year is glued to the code
        while (
            end < len(text)
            and text[end].islower()
            and end - 1 > start
            and text[end - 1].isupper()
            and text[end - 2] != "-"
            and text[end - 2] != "/"
            and not text[start:end].endswith("TTg")
        ):
            end -= 1
        if end < len(text) and text[end] == " ":
            for word in _CAPS_TITLE_STARTS:
                if text[start:end].endswith(word) and len(text[start:end].split("-")[-1]) > len(word):
                    end -= len(word)
                    break
        spans.append((start, end))
    return spans


_CODE_CELL_WORDS = re.compile(r"(?:Luật|Nghị định|Thông tư|Quyết định|Nghị quyết|Văn bản|Pháp lệnh)(?: số)?")


def _norm_code(code: str) -> str:
    return code.upper().replace("Đ", "D")


def parse_legal_basis(text: str) -> tuple[list[str], bool]:
    """(documents, fully_parsed). Each row is "title + code"; a row ends at a code glued to what
    follows (the next title or the code cell) or at the end. Duplicates (by code) are dropped."""
    text = _nfc(text).strip()
    if text.startswith(_LEGAL_HEADER):
        text = text[len(_LEGAL_HEADER) :]
    if _blank(text):
        return [], True
    rows: list[tuple[str, str]] = []  # (title, code)
    position = 0
    for start, end in _code_matches(text):
        if start < position:
            continue
        glued = end >= len(text) or not (text[end].isspace() or text[end] in ',.;:)”"')
        if not glued:
            continue
        title = text[position:start]
        rows.append((title, text[start:end]))
        position = end
    leftover = _squash(text[position:])
    items: list[str] = []
    seen: set[str] = set()
    for title, code in rows:
        title = _squash(title.replace("\n", " ")).strip(" -–;,")
        # "…Bộ Tư phápThông tư số 03/2023/TT-BTP": the code cell had words; cut at the glue point
        glue = next(
            (
                i
                for i in range(len(title) - 1, max(0, len(title) - 40), -1)
                if title[i].isupper() and title[i - 1].islower()
            ),
            None,
        )
        if glue is not None and _CODE_CELL_WORDS.fullmatch(title[glue:].strip()):
            title = title[:glue].strip()
        key = _norm_code(code)
        if key in seen:
            continue
        seen.add(key)
        if not title:
            items.append(code)
        elif _CODE_CELL_WORDS.fullmatch(title):  # "Luật" + "49/2019/QH14"
            items.append(f"{title} {code}")
        elif code in title:
            items.append(title)
        else:
            items.append(f"{title} ({code})")
    if leftover and _norm_code(leftover) not in seen:
        items.append(leftover)
    return items, not leftover
