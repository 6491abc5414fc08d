"""Crawl record of the national TTHC database -> Procedure data + per-field problems (pure functions).

The crawl (`ma_thu_tuc`, `cach_thuc_thuc_hien`, ...) keeps each portal section as flattened page text:
table cells run together ("Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến7 Ngày làm việc10,000 đồng").
Each parser below reads one section and returns structure; what it cannot read is reported as a problem
for that field (never guessed). Rules worth knowing (also in the README of scripts/build_national_kb.py):

- processing_days: working days only. A channel row "N Ngày làm việc" is a working-day number; "N Ngày"
  (calendar days), "N Giờ", "N Tháng" and a bare "N" (unit not published) are not. When several rows
  exist, the number is the largest row value and only when every row is in working days; otherwise None.
- online_level: "toan_trinh" only when the text says "toàn trình"; "mot_phan" when online submission
  is offered (Trực tuyến row); "none" otherwise. The crawl carries no end-to-end flag, so we never
  promote a record to toàn trình on a guess.
- level: "Cấp bộ, Cấp tỉnh" -> "bộ, tỉnh"; "Cơ quan khác" -> "khác"; order as published.
- agency: `co_quan_thuc_hien`, else `co_quan_co_tham_quyen`, else the first public body named in the
  steps text (reported as a problem: inferred), else a placeholder pointing to the portal page.
- steps: "Bước N" blocks (also "2.1.3. Bước 3 thẩm định" and "...xử lýBước 10 Duyệt", without a separator),
  else the top-level sections ("a) b)", "1. 2.", "i) ii)" or "* Trường hợp ..." bullets) with nested lists
  and "-"/"+" bullets kept inside their step, else paragraphs; a heading between two lists of steps opens
  the next step.
- fees: amounts in VND; "Miễn phí" -> no fee item and fee_note "Miễn phí"; USD kept as text only;
  an amount under 1,000 VND is treated as a data-entry slip: the amount in the note ("20.000 vnđ/tờ
  khai") is used when there is one, otherwise the amount stays unknown and a problem is reported.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

SOURCE_NAME = "CSDL quốc gia về TTHC"
DEFAULT_VERIFIED_ON = date(2026, 6, 10)  # data commit of the crawl (see ../shared/tthc/README.md)
NO_INFO = "Không có thông tin"
UNKNOWN_AGENCY = "Chưa ghi cơ quan thực hiện (xem trang thủ tục trên Cổng Dịch vụ công quốc gia)"

CHANNEL_LABELS = {"Trực tiếp": "truc_tiep", "Trực tuyến": "truc_tuyen", "Dịch vụ bưu chính": "buu_chinh"}
CHANNEL_ORDER = ("truc_tiep", "truc_tuyen", "buu_chinh")


def is_crawl_record(record: Any) -> bool:
    return isinstance(record, dict) and "ma_thu_tuc" in record


def _nfc(text: Any) -> str:
    return unicodedata.normalize("NFC", str(text or "")).replace("\r\n", "\n").replace("\r", "\n")


def _blank(text: str) -> bool:
    return not text.strip() or text.strip().rstrip(".").lower() in ("không có thông tin", "không có")


def _squash(text: str) -> str:
    """Whitespace (newlines included) collapsed to single spaces."""
    return " ".join(text.split())


# --- "Cách thức thực hiện": channel rows with time, fee and description ---------------------------

_TABLE_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
# a row starts with a channel label glued to its time cell (a digit) or to "Không có thông tin"
_ROW_START = re.compile(r"(Trực tiếp|Trực tuyến|Dịch vụ bưu chính)(?=\d|Không)")
_TIME_UNIT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(Ngày làm việc|Ngày|Giờ làm việc|Giờ|Tháng|Năm|Tuần|Phút)")
_CURRENCY = r"(VNĐ|Việt Nam Đồng|Đồng|đồng|vnđ|USD)"
_GROUPED = r"[1-9]\d{0,2}(?:,\d{3})*|0"
_FEE_AMOUNT = re.compile(rf"({_GROUPED})\s*{_CURRENCY}")
_BARE_TIME_FEE = re.compile(rf"(\d+)((?:,\d{{3}})*)\s*{_CURRENCY}")
_FEE_START = re.compile(rf"Miễn phí|{NO_INFO}|(?:{_GROUPED})\s*{_CURRENCY}")
_NOTE_AMOUNT = re.compile(r"(\d{1,3}(?:[.,]\d{3})+)\s*(?:đồng|vnđ|đ\b)", re.IGNORECASE)


@dataclass(frozen=True)
class ChannelRow:
    channel: str  # truc_tiep | truc_tuyen | buu_chinh
    time: str  # as published, lower-cased unit: "7 ngày làm việc", "10 ngày", "1" (no unit), "" (none)
    working_days: float | None  # only for "N Ngày làm việc"
    fee: str  # "Miễn phí", "Không có thông tin", "1,500,000 VNĐ", "10 USD" or "" when unreadable
    fee_note: str  # the parenthesised text after the fee
    description: str  # the "Mô tả" cell


def _balanced_paren(text: str) -> tuple[str, str]:
    """("(a (b))rest") -> ("a (b)", "rest"); an unclosed "(" takes the rest of the text."""
    depth = 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return text[1:index], text[index + 1 :]
    return text[1:], ""


def _parse_row(channel: str, cell: str) -> ChannelRow:
    time, days, rest = "", None, cell
    match = _TIME_UNIT.match(cell)
    if match:
        number, unit = match.group(1), match.group(2)
        time = f"{number} {unit.lower()}"
        if unit == "Ngày làm việc":
            days = float(number.replace(",", "."))
        rest = cell[match.end() :]
    elif cell.startswith(NO_INFO):
        rest = cell[len(NO_INFO) :]
    else:
        bare = _BARE_TIME_FEE.match(cell)
        if bare:  # "120 VNĐ": a bare time cell glued to the amount; the time takes the fewest digits
            digits, groups = bare.group(1), bare.group(2)
            for cut in range(1, len(digits)):
                if re.fullmatch(_GROUPED, digits[cut:] + groups):
                    time, rest = digits[:cut], cell[cut:]
                    break
        else:
            number = re.match(r"\d+(?:[.,]\d+)?", cell)
            fee_start = _FEE_START.search(cell, 0, 160)
            if number:
                time, rest = number.group(0), cell[number.end() :]
            elif fee_start and fee_start.start() > 0:  # a time written as words: "Không phải trả kết quả"
                time, rest = _squash(cell[: fee_start.start()]), cell[fee_start.start() :]
    fee = ""
    if rest.startswith("Miễn phí"):
        fee, rest = "Miễn phí", rest[len("Miễn phí") :]
    elif rest.startswith(NO_INFO):
        fee, rest = NO_INFO, rest[len(NO_INFO) :]
    else:
        amount = _FEE_AMOUNT.match(rest)
        if amount:
            fee, rest = f"{amount.group(1)} {amount.group(2)}", rest[amount.end() :]
    note = ""
    if fee and rest.startswith("("):
        note, rest = _balanced_paren(rest)
        note = _squash(note.replace("\n", " "))
    return ChannelRow(channel, time, days, fee, note, _squash(rest))


def parse_channel_rows(text: str) -> list[ChannelRow]:
    """Rows of the "Cách thức thực hiện" table in published order."""
    text = _nfc(text)
    if text.startswith(_TABLE_HEADER):
        text = text[len(_TABLE_HEADER) :]
    starts = list(_ROW_START.finditer(text))
    # the first cell is always a channel label, even when its time cell is free text
    first = re.match(r"(Trực tiếp|Trực tuyến|Dịch vụ bưu chính)", text)
    if first and (not starts or starts[0].start() != 0):
        starts.insert(0, first)
    rows = []
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(text)
        rows.append(_parse_row(CHANNEL_LABELS[match.group(1)], text[match.end() : end]))
    return rows


def channels_of(rows: list[ChannelRow]) -> list[str]:
    present = {row.channel for row in rows}
    return [c for c in CHANNEL_ORDER if c in present]


def _label(channel: str) -> str:
    return next(label for label, code in CHANNEL_LABELS.items() if code == channel)


def processing_time_text(rows: list[ChannelRow]) -> str:
    """ "7 ngày làm việc"; per channel when channels differ; cases joined with " hoặc "."""
    by_channel: dict[str, list[str]] = {}
    for row in rows:
        time = row.time if row.time else ""
        if time and re.fullmatch(r"\d+(?:[.,]\d+)?", time):
            time = f"{time} (không ghi đơn vị)"
        if time and time not in by_channel.setdefault(row.channel, []):
            by_channel[row.channel].append(time)
    if not by_channel or not any(by_channel.values()):
        return ""
    variants = {tuple(times) for times in by_channel.values()}
    if len(variants) == 1:
        return " hoặc ".join(next(iter(variants)))
    return "; ".join(f"{_label(ch)}: {' hoặc '.join(times) or NO_INFO.lower()}" for ch, times in by_channel.items())


def processing_days_of(rows: list[ChannelRow]) -> float | None:
    """Largest working-day value, only when every row with a time is in working days."""
    timed = [row for row in rows if row.time]
    days = [row.working_days for row in timed if row.working_days is not None]
    if not timed or len(days) < len(timed):
        return None
    return max(days)


def _amount_vnd(fee: str, note: str) -> tuple[int | None, str | None]:
    """(amount, problem) for a fee cell such as "1,500,000 VNĐ"."""
    match = _FEE_AMOUNT.fullmatch(fee)
    if not match or match.group(2) == "USD":
        return None, None
    amount = int(match.group(1).replace(",", ""))
    if amount >= 1000 or amount == 0:
        return amount, None
    in_note = _NOTE_AMOUNT.search(note)
    if in_note:
        return int(re.sub(r"[.,]", "", in_note.group(1))), None
    return None, f"mức thu {amount} đồng (dưới 1.000 đồng, nghi lỗi nhập liệu)"


def fees_of(rows: list[ChannelRow]) -> tuple[list[dict], str, list[str]]:
    """(fee items, fee_note, problems). Free rows -> fee_note; paid rows -> items (deduplicated)."""
    problems: list[str] = []
    distinct = {(row.fee, row.fee_note) for row in rows if row.fee}
    per_channel = len(distinct) > 1
    items: list[dict] = []
    notes: list[str] = []
    for row in rows:
        if not row.fee:
            problems.append(f"không đọc được phí của dòng {_label(row.channel)}")
            continue
        if row.fee == NO_INFO:
            continue
        prefix = f"{_label(row.channel)}: " if per_channel else ""
        if row.fee == "Miễn phí":
            note = "Miễn phí" + (f" ({row.fee_note})" if row.fee_note else "")
            if note not in notes:
                notes.append(note)
            continue
        amount, problem = _amount_vnd(row.fee, row.fee_note)
        if problem and problem not in problems:
            problems.append(problem)
        description = prefix + row.fee + (f" ({row.fee_note})" if row.fee_note else "")
        item = {"name": "Phí, lệ phí", "amount_vnd": amount, "description": description}
        if not any(
            i["amount_vnd"] == amount and i["description"].split(": ", 1)[-1] == description.split(": ", 1)[-1]
            for i in items
        ):
            items.append(item)
    fee_note = "; ".join(notes) if not items else ""
    if items and notes:  # some channels free, others paid: say so next to the amounts
        fee_note = "; ".join(notes)
    return items, fee_note, problems


# --- "Thành phần hồ sơ": groups of documents, each ending with its count ----------------------------

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


# --- "Trình tự thực hiện": steps ----------------------------------------------------------------------

# A step mark. "Bước 2:" / "Bước 2." anywhere after a space or a stop; "Bước 2" with no separator only
# where a step begins: at the start of a line, after a numbering such as "2.1.2." or a bullet
# ("2.1.2. Bước 2 kiểm tra hồ sơ:"), or glued to the end of a sentence or of a table cell before a
# capital ("xem xét.Bước 5 Xem xét", "để xử lýBước 10 Duyệt hồ sơ"). "nêu tại Bước 1 và Bước 2" (inside
# a sentence, no separator) is no mark.
_STEP_MARK = re.compile(
    r"(?:^|(?<=[\s.;:]))(?:[-+*]\s*)?Bước\s+(?P<sep>\d+)\s*[:.)-]"
    r"|^[ \t]*(?:[-+*][ \t]*|\d+(?:\.\d+)*\.?[ \t]+)?Bước[ \t]+(?P<line>\d+)(?=[ \t]+\S)"
    r"|(?<=[^\W\d_.;:])Bước[ \t]+(?P<glued>\d+)[ \t]+(?=\S)"
    r"|(?<=[.;:])[ \t]?Bước[ \t]+(?P<stop>\d+)[ \t]+(?=\S)",
    re.IGNORECASE | re.MULTILINE,
)


def _step_marks(text: str) -> list[re.Match]:
    """Step marks in order; a mark glued to the text before it must be followed by a capital or digit."""
    marks = []
    for mark in _STEP_MARK.finditer(text):
        if mark.group("glued") or mark.group("stop"):
            following = text[mark.end() : mark.end() + 1]
            if not (following.isupper() or following.isdigit()):
                continue
        marks.append(mark)
    return marks


def _step_number(mark: re.Match) -> int:
    return int(next(group for group in mark.groups() if group))


_SECTION_MARK = re.compile(r"^(?:([ivx]{1,4}|[a-zđ])\)|(\d{1,2})[.)])\s")  # "a) ", "ii) ", "1. ", "2) "
# A line that goes on the step above: a sub-bullet, or a broken line starting lower-case (not "[à-ỹ]": that
# range holds capitals too, "Ủy ban", "Đăng ký").
_CONTINUATION = re.compile(r"^(?:[+*•]|\(?[ivx]+\))")


def _continues_step(line: str) -> bool:
    return bool(_CONTINUATION.match(line)) or line[:1].islower()


# A line that heads what follows ("2. Thủ tục đăng ký", "b) Tại Chi cục hải quan cửa khẩu xuất:")
_HEADING_LINE = re.compile(r"^(?:[a-zđ]\)|\d{1,2}[.)]|[IVX]+\.)\s+\S.{0,118}$")
_LETTERS = "abcdđeghiklmnopqrstuvxy"  # Vietnamese list letters: no f, j, w, z
_ROMANS = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x")
_FIRST_LABEL = {"digit": "1", "letter": "a", "roman": "i"}


def _label_styles(label: str) -> tuple[str, ...]:
    """The list styles a label can belong to: "i", "v" and "x" are letters or roman numerals."""
    if label.isdigit():
        return ("digit",)
    styles = ("roman",) if label in _ROMANS else ()
    return styles + (("letter",) if len(label) == 1 else ())


def _continues(style: str, last: str, label: str) -> bool:
    """`label` is the item after `last` in a list of `style`: "b" after "a", "đ" (or "e") after "d"..."""
    if style == "digit":
        return label == str(int(last) + 1)
    if style == "roman":
        return last in _ROMANS[:-1] and label == _ROMANS[_ROMANS.index(last) + 1]
    index = _LETTERS.find(last)
    following = {_LETTERS[index + 1]} if 0 <= index < len(_LETTERS) - 1 else set()
    return label in following | ({"e"} if last == "d" else set()) | ({"f"} if last == "e" else set())


def _introduces_sublist(lines: list[str], index: int) -> bool:
    """The line above `index` is a sentence ending in ":" inside the text ("Khi lấy ý kiến ..., công chức
    cấp xã phải:"), not a heading at the top ("4.1. Trình tự thực hiện:", "Các bước:")."""
    return index >= 2 and lines[index - 1].endswith(":") and len(lines[index - 1]) >= 50


def _top_level_sections(lines: list[str]) -> list[int]:
    """Indices of the lines that open a top-level section ("a) ...", "b) ..."; "1. ...", "2. ..."; "i) ...",
    "ii) ...").

    Sub-lists inside a section ("a) ... b) ..." under "1.", "1. ... 2. ..." under "a)") are followed with
    a stack: the first mark opens the top-level list (whatever its label: a page may start at "c)"), a
    label that starts a list ("a", "1", "i") opens a nested one, a label that continues an open list
    closes the lists nested in it; only the items of the outermost list start a step. A list introduced
    by a sentence ending in ":" ("công chức phải: i) ... ii) ...") belongs to that sentence, and a restart
    of the top-level label that no item follows ("a) Nộp hồ sơ ... a) Giải quyết ...", a slip of the
    page) is the next top-level item."""
    marks = [(index, _SECTION_MARK.match(line)) for index, line in enumerate(lines)]
    labels = [(index, match.group(1) or match.group(2)) for index, match in marks if match]
    stack: list[tuple[str, str]] = []  # (style, last label) of each open list, outermost first
    top: list[int] = []
    for position, (index, label) in enumerate(labels):
        styles = _label_styles(label)
        continues = [
            depth for depth, (style, last) in enumerate(stack) if style in styles and _continues(style, last, label)
        ]
        starts = [style for style in styles if _FIRST_LABEL[style] == label]
        following = labels[position + 1][1] if position + 1 < len(labels) else None
        if continues:  # the innermost open list it continues; lists nested in it are closed
            depth = continues[-1]
            del stack[depth + 1 :]
            stack[depth] = (stack[depth][0], label)
        elif not stack:
            if _introduces_sublist(lines, index):
                stack.append(("text", ""))
            style = (starts or [s for s in styles if s != "roman"] or list(styles))[0]
            stack.append((style, label))
            depth = len(stack) - 1
        elif starts and stack[0][0] in starts and not (following and _continues(stack[0][0], label, following)):
            del stack[1:]  # the top-level list restarted by mistake: its next item
            stack[0] = (stack[0][0], label)
            depth = 0
        elif starts:
            stack.append((starts[0], label))
            depth = len(stack) - 1
        else:  # neither continues nor starts a list ("c)" out of nowhere): text of the current section
            continue
        if depth == 0:
            top.append(index)
    return top


def _step_blocks(text: str, marks: list[re.Match]) -> list[str]:
    """The text from each step mark to the next. The line that ends a block opens the next one when it
    heads it: a numbered heading ("2. Thủ tục đăng ký" before "Bước 3"), or the title of a new list of
    steps written on the line of its "Bước 1" ("Thủ tục ... trong trường hợp ... Bước 1: ...")."""
    blocks = []
    carry = ""
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        block = carry + text[mark.start() : end]
        carry = ""
        body, newline, last = block.rstrip().rpartition("\n")
        if newline and index + 1 < len(marks):
            on_its_line = text[text.rfind("\n", 0, end) + 1 : end].strip()  # text before the next mark
            restarts = _step_number(marks[index + 1]) == 1 and bool(on_its_line)
            if _HEADING_LINE.match(last.strip()) or (restarts and not _ends_sentence(last)):
                block, carry = body, last.strip() + " "
        blocks.append(block)
    return blocks


def _ends_sentence(text: str) -> bool:
    return text.rstrip().endswith((".", ";", ":")) or bool(re.search(r"[.;]\s", text))


def parse_steps(text: str) -> list[str]:
    """ "Bước N" blocks when marked; otherwise top-level sections ("a) ... b) ..."), nested lists and
    bullets kept inside their section; otherwise one step per line, folding sub-bullets ("+", "(i)")
    and broken lines (starting lower-case) into the step above."""
    text = _nfc(text).strip()
    if _blank(text):
        return []
    marks: list[re.Match[str]] = []
    steps: list[str] = []
    for mark in _step_marks(text):  # numbered in sequence (a new list may restart at 1)
        number = _step_number(mark)
        if not marks or number == 1 or number == _step_number(marks[-1]) + 1:
            marks.append(mark)
    if len(marks) >= 2:
        head = _squash(text[: marks[0].start()].replace("\n", " "))
        for block in _step_blocks(text, marks):
            body = _squash(block.replace("\n", " ")).lstrip("-+* ")
            if body:
                steps.append(body)
        if head and steps:  # a heading ("Nộp hồ sơ", a title) belongs to step 1; a preamble is its own step
            if len(head) < 40 or not _ends_sentence(head):
                steps[0] = f"{head} {steps[0]}"
            else:
                steps.insert(0, head)
        return [s.strip(" ;") for s in steps if s.strip(" ;")]
    lines = [_squash(line) for line in text.split("\n") if _squash(line)]
    if lines[0].startswith("*") and not lines[0].startswith("**"):  # "* Trường hợp ...: a) ... b) ..."
        sections = [i for i, line in enumerate(lines) if line.startswith("*") and not line.startswith("**")]
    else:
        sections = _top_level_sections(lines)
    # A single section labelled "b)" (or "2.") after some text: the page lost the heading of the first.
    lost_first = len(sections) == 1 and sections[0] > 0 and _SECTION_MARK.match(lines[sections[0]])
    if lost_first and (lost_first.group(1) or lost_first.group(2)) not in _FIRST_LABEL.values():
        sections = [0, *sections]
    if len(sections) >= 2:  # "a) Nộp hồ sơ TTHC: ... b) Giải quyết TTHC: ..." -> one step per section
        head_lines = lines[: sections[0]]
        bounds = sections + [len(lines)]
        steps = [" ".join(lines[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
        return ([" ".join(head_lines)] if head_lines else []) + steps
    top_plus = lines[0].startswith("+") and not lines[0].startswith("++")  # "+" is then the top bullet
    for line in lines:
        new_top = top_plus and line.startswith("+") and not line.startswith("++")
        if steps and not new_top and _continues_step(line):
            steps[-1] = f"{steps[-1]} {line}"
        else:
            steps.append(line.lstrip("-+• ").strip() or line)
    return [s for s in steps if s.strip(" ;-")]


# --- "Căn cứ pháp lý": title + code pairs run together ----------------------------------------------

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


# --- short fields -------------------------------------------------------------------------------------


def parse_level(text: str) -> str:
    """ "Cấp bộ, Cấp tỉnh" -> "bộ, tỉnh"; "Cơ quan khác" -> "khác"."""
    levels = []
    for part in _nfc(text).split(","):
        part = part.strip().lower()
        part = "khác" if part == "cơ quan khác" else re.sub(r"^cấp\s+", "", part)
        if part and part not in levels:
            levels.append(part)
    return ", ".join(levels)


def split_top_level(text: str, separators: str = ",;") -> list[str]:
    """Split on separators outside parentheses: "Tổ chức (không bao gồm doanh nghiệp, HTX), Doanh nghiệp"."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in _nfc(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        if char in separators and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    seen: list[str] = []
    for part in (_squash(p) for p in parts):
        if part and part not in seen:
            seen.append(part)
    return seen


def parse_result(text: str) -> str:
    """Result names before the portal's widgets: "Giấy khai sinhMã: KQ.G15.000031Từ khóa..."."""
    text = _nfc(text)
    text = re.split(r"Từ khóa|Chọn cơ quan thực hiện", text)[0]
    names = [_squash(n) for n in re.split(r"Mã:\s*KQ\.[A-Z0-9]+\.\d+", text)]
    names = [n for n in names if n and not _blank(n)]
    return "; ".join(dict.fromkeys(names))


def parse_conditions(text: str) -> str:
    text = _squash(_nfc(text))
    return "" if _blank(text) or text.rstrip(".").lower() in ("không", "không có") else _nfc(text).strip()


_AGENCY_HEADS = (
    r"Ủy ban nhân dân|UBND|Sở|Cục|Chi cục|Công an|Bộ|Ngân hàng Nhà nước|Văn phòng đăng ký đất đai|"
    r"Tòa án|Cơ quan thuế|Thuế|Cảng vụ|Ủy ban Chứng khoán|Chủ tịch Ủy ban nhân dân|Kho bạc|"
    r"Phòng|Cơ quan Hải quan|Chi nhánh Văn phòng đăng ký đất đai"
)
_AGENCY_IN_TEXT = re.compile(
    rf"\b((?:{_AGENCY_HEADS})\b[^,.;:()\n]{{0,60}}?)(?=\s+(?:có trách nhiệm|phải|tiếp nhận|"
    rf"kiểm tra|thẩm định|xem xét|giải quyết|cấp|ra|ban hành|gửi|thông báo|nơi|theo|để|"
    rf"trong|và|hoặc|thực hiện)\b|[,.;:()\n])"
)
_NOT_AGENCY = re.compile(r"^(?:Bộ phận|Bộ hồ sơ|Bộ luật|Sở hữu|Phòng ngừa)", re.IGNORECASE)


def agency_from_text(text: str) -> str | None:
    """The first public body named in a text (the steps), e.g. "Sở Xây dựng"; None when none is."""
    for match in _AGENCY_IN_TEXT.finditer(_nfc(text)):
        name = _squash(match.group(1))
        if len(name.split()) >= 2 and not _NOT_AGENCY.match(name):
            return name
    return None


def online_level_of(channels: list[str], *texts: str) -> str:
    joined = " ".join(_nfc(t).lower() for t in texts)
    if "truc_tuyen" in channels and re.search(r"(?<!không )(?:trực tuyến|dịch vụ công)\s+toàn trình", joined):
        return "toan_trinh"
    return "mot_phan" if "truc_tuyen" in channels else "none"


# --- the record -------------------------------------------------------------------------------------------


@dataclass
class CrawlParse:
    data: dict[str, Any]  # Procedure fields (not yet validated)
    problems: dict[str, str] = field(default_factory=dict)  # field -> what could not be parsed


def parse_crawl_record(record: dict[str, Any], verified_on: date = DEFAULT_VERIFIED_ON) -> CrawlParse:
    """One crawl record -> Procedure field values and the problems met, field by field."""
    get = lambda key: _nfc(record.get(key, "")).strip()  # noqa: E731
    problems: dict[str, str] = {}
    data: dict[str, Any] = {
        "code": get("ma_thu_tuc"),
        "name": _squash(get("ten_thu_tuc")),
        "field": _squash(get("linh_vuc")),
        "national_code": True,
    }
    for field_name in ("name", "field"):
        if not data[field_name]:
            problems[field_name] = "không có trong nguồn"

    data["level"] = parse_level(get("cap_thuc_hien"))
    if not data["level"]:
        problems["level"] = "không có trong nguồn"

    agency = next((_squash(get(k)) for k in ("co_quan_thuc_hien", "co_quan_co_tham_quyen") if not _blank(get(k))), "")
    if not agency:
        agency = agency_from_text(get("trinh_tu_thuc_hien")) or ""
        problems["agency"] = "suy ra từ trình tự thực hiện" if agency else "không có trong nguồn"
    data["agency"] = agency or UNKNOWN_AGENCY

    data["target_users"] = [] if _blank(get("doi_tuong_thuc_hien")) else split_top_level(get("doi_tuong_thuc_hien"))

    data["steps"] = parse_steps(get("trinh_tu_thuc_hien"))
    if not data["steps"]:
        problems["steps"] = "không có trong nguồn"

    rows = parse_channel_rows(get("cach_thuc_thuc_hien"))
    data["submission_channels"] = channels_of(rows)
    if not rows:
        problems["submission_channels"] = "không đọc được bảng cách thức thực hiện"
    data["processing_time"] = processing_time_text(rows) or NO_INFO
    if data["processing_time"] == NO_INFO:
        problems["processing_time"] = "không có thời hạn trong nguồn"
    days = processing_days_of(rows)
    if days is not None:
        data["processing_days"] = days
    fees, fee_note, fee_problems = fees_of(rows)
    data["fees"], data["fee_note"] = fees, fee_note
    if fee_problems:
        problems["fees"] = "; ".join(fee_problems)

    documents_text = get("thanh_phan_ho_so")
    data["documents"] = parse_documents(documents_text)
    if not data["documents"] and not _blank(documents_text):
        problems["documents"] = 'không tách được giấy tờ (không có "N bản chính")'

    legal, complete = parse_legal_basis(get("can_cu_phap_ly"))
    data["legal_basis"] = legal
    if not complete:
        problems["legal_basis"] = "có đoạn không nhận ra số hiệu văn bản"

    data["result"] = parse_result(get("ket_qua_xu_ly"))
    data["conditions"] = parse_conditions(get("yeu_cau_dieu_kien"))
    where = get("dia_chi_tiep_nhan")
    data["where_to_submit"] = "" if _blank(where) else _squash(where)
    data["online_level"] = online_level_of(
        data["submission_channels"], get("cach_thuc_thuc_hien"), get("trinh_tu_thuc_hien")
    )
    data["provenance"] = {
        "source": SOURCE_NAME,
        "decision": _squash(get("so_quyet_dinh")),
        "url": get("detail_url"),
        "verified_on": verified_on.isoformat(),
    }
    return CrawlParse(data, problems)


__all__ = [
    "ChannelRow",
    "CrawlParse",
    "DEFAULT_VERIFIED_ON",
    "SOURCE_NAME",
    "agency_from_text",
    "channels_of",
    "fees_of",
    "is_crawl_record",
    "online_level_of",
    "parse_channel_rows",
    "parse_conditions",
    "parse_crawl_record",
    "parse_documents",
    "parse_legal_basis",
    "parse_level",
    "parse_result",
    "parse_steps",
    "processing_days_of",
    "processing_time_text",
    "split_top_level",
]
