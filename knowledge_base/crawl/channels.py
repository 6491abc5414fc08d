"""\"Cách thức thực hiện\": channel rows with time, fee and description; processing time and days, fees."""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge_base.crawl.text import NO_INFO, _nfc, _squash

CHANNEL_LABELS = {"Trực tiếp": "truc_tiep", "Trực tuyến": "truc_tuyen", "Dịch vụ bưu chính": "buu_chinh"}
CHANNEL_ORDER = ("truc_tiep", "truc_tuyen", "buu_chinh")

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
            time = f"{time} (trang thủ tục không ghi đơn vị)"
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
