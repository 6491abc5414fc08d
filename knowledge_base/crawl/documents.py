"""\"Thành phần hồ sơ\": groups of documents, each ending with its count."""

from __future__ import annotations

import re

from knowledge_base.crawl.text import _nfc, _squash

_DOC_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
_DOC_COUNT = re.compile(r"(\d+)\s*bản chính(?:\s*,\s*(\d+)\s*bản sao)?")
_FORM_FILE = re.compile(r"\s*([^\s/]*\.(?:docx?|pdf|xlsx?|rtf|zip))\s*$", re.IGNORECASE)
_NOT_A_DOCUMENT = re.compile(r"^Số lượng hồ sơ\b", re.IGNORECASE)  # "* Số lượng hồ sơ: 01 (bộ)0 bản chính"
_BULLET = re.compile(r"^(?:[-+*•–]+|\(?[0-9ivx]{1,4}[.)]|[a-zđ]\))\s*", re.IGNORECASE)


def _clean_item(text: str) -> str:
    text = _squash(text.replace("\n", " "))
    while True:
        stripped = _BULLET.sub("", text, count=1).strip()
        if stripped == text:
            return text.strip(" ;,:")
        text = stripped


def parse_documents(text: str) -> list[dict]:
    """Documents with originals/copies, the group label ("Giấy tờ phải xuất trình") and form file as note."""
    text = _nfc(text)
    items: list[dict] = []
    for section in text.split(_DOC_HEADER)[1:] if _DOC_HEADER in text else [text]:
        position = 0
        for match in _DOC_COUNT.finditer(section):
            raw = section[position : match.start()]
            position = match.end()
            form = _FORM_FILE.search(raw)
            cut = form.start(1) if form else len(raw)
            if form:  # "…khai sinhMau01.docx": the file name starts where a capital is glued to a word
                token = form.group(1)
                glue = next(
                    (i for i in range(len(token) - 1, 0, -1) if token[i].isupper() and token[i - 1].islower()), None
                )
                if glue is not None:
                    cut = form.start(1) + glue
            name = _clean_item(raw[:cut])
            if len(name) < 2 or _NOT_A_DOCUMENT.match(name):
                continue
            note = f"Mẫu: {raw[cut:].strip()}" if form else ""
            items.append(
                {"name": name, "originals": int(match.group(1)), "copies": int(match.group(2) or 0), "note": note}
            )
    # group labels sit between sections: "...1 bản chính* Giấy tờ phải xuất trình:" + header
    labels = _document_group_labels(text)
    if labels:
        for item, label in zip(items, labels, strict=False):
            if label:
                item["note"] = f"{label}. {item['note']}".strip(". ") if item["note"] else label
    return items


def _document_group_labels(text: str) -> list[str]:
    """Per document, the label of its group when the list has several labelled groups."""
    if text.count(_DOC_HEADER) < 2:
        return []
    labels: list[str] = []
    sections = text.split(_DOC_HEADER)
    for index, section in enumerate(sections[1:], start=1):
        before = sections[index - 1]
        last = list(_DOC_COUNT.finditer(before))
        label = before[last[-1].end() :] if last else before
        label = _clean_item(label).rstrip(":")
        count = sum(1 for m in _DOC_COUNT.finditer(section))
        labels += [label if len(label) >= 3 else ""] * count
    return labels
