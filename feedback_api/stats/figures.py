"""Figures per agency and month, computed only from the append-only audit log.

Recomputing from audit events (rather than reading the current rows) is what makes the figures
honest: any published number can be re-derived by anyone holding the log. The definitions below are
returned with the figures so readers know exactly what was counted.

An audit event is a mapping or an object with: feedback_code, at, actor, action, from_status,
to_status, agency_code (owning agency after the event), due_at (answer due after the event), kind,
reason. The receipt event is the one with from_status None (FB-API writes action "receive").
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime

from feedback_api.feedback.lifecycle import OPEN_STATUSES, Action, Status
from feedback_api.feedback.workdays import WorkCalendar, default_calendar_data

DEFINITIONS: dict[str, str] = {
    "scope": (
        "Số liệu tính lại hoàn toàn từ nhật ký sự kiện (audit log). Mỗi PAKN được tính cho cơ quan chịu "
        "trách nhiệm cuối cùng (sau các lần chuyển) và cho tháng tiếp nhận (giờ Việt Nam), tính đến thời "
        "điểm computed_at."
    ),
    "received": "received — số PAKN tiếp nhận trong tháng.",
    "handled": "handled — số PAKN đã được trả lời (có sự kiện trả lời 'answer').",
    "handled_on_time": (
        "handled_on_time — số PAKN được trả lời không muộn hơn hạn trả lời có hiệu lực lúc trả lời "
        "(hạn đã cộng thời gian tạm dừng chờ công dân bổ sung thông tin)."
    ),
    "overdue_open": (
        "overdue_open — số PAKN chưa được trả lời, chưa bị từ chối hay gộp, đã quá hạn trả lời tại thời "
        "điểm tính."
    ),
    "published": "published — số PAKN đã trả lời và đã công khai.",
    "on_time_rate": (
        "on_time_rate = handled_on_time / handled — tỷ lệ trả lời đúng hạn trên số đã trả lời; "
        "null khi chưa có PAKN nào được trả lời."
    ),
    "published_rate": (
        "published_rate = published / handled — tỷ lệ công khai trên số đã trả lời; null khi handled = 0."
    ),
    "rejected": "rejected — số PAKN bị từ chối (không thuộc phạm vi) và chưa được trả lời.",
    "merged": "merged — số PAKN trùng lặp đã gộp vào mã khác.",
    "late": (
        "late — danh sách PAKN trễ hạn: đã trả lời sau hạn, hoặc chưa trả lời và đã quá hạn; days_late là "
        "số ngày làm việc trễ (ngày 1 là ngày làm việc đầu tiên sau hạn)."
    ),
}

_RECEIPT_ACTIONS = {"receive", "create", "intake"}


@dataclass(frozen=True)
class LateItem:
    feedback_code: str
    agency_code: str | None
    month: str
    due_at: datetime | None
    handled_at: datetime | None  # None: still open
    days_late: int  # working days


@dataclass
class AgencyMonth:
    agency_code: str | None
    month: str  # "2026-03", month of receipt in local time
    received: int = 0
    handled: int = 0
    handled_on_time: int = 0
    overdue_open: int = 0
    published: int = 0
    rejected: int = 0
    merged: int = 0
    late: list[LateItem] = field(default_factory=list)

    @property
    def on_time_rate(self) -> float | None:
        return self.handled_on_time / self.handled if self.handled else None

    @property
    def published_rate(self) -> float | None:
        return self.published / self.handled if self.handled else None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["on_time_rate"] = self.on_time_rate
        data["published_rate"] = self.published_rate
        return data


@dataclass
class Figures:
    rows: list[AgencyMonth]  # sorted by month, then agency
    late: dict[str | None, list[LateItem]]  # per agency, all months
    totals: AgencyMonth  # agency_code None, month "*"
    computed_at: datetime
    definitions: dict[str, str] = field(default_factory=lambda: dict(DEFINITIONS))

    def row(self, agency_code: str | None, month: str) -> AgencyMonth | None:
        return next((r for r in self.rows if r.agency_code == agency_code and r.month == month), None)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["on_time_rate"] = self.on_time_rate
        data["published_rate"] = self.published_rate
        return data


@dataclass
class Figures:
    rows: list[AgencyMonth]  # sorted by month, then agency
    late: dict[str | None, list[LateItem]]  # per agency, all months
    totals: AgencyMonth  # agency_code None, month "*"
    computed_at: datetime
    definitions: dict[str, str] = field(default_factory=lambda: dict(DEFINITIONS))

    def row(self, agency_code: str | None, month: str) -> AgencyMonth | None:
        return next((r for r in self.rows if r.agency_code == agency_code and r.month == month), None)

    CSV_COLUMNS = ("agency_code", "month", "received", "handled", "handled_on_time", "overdue_open",
                   "published", "rejected", "merged", "on_time_rate", "published_rate", "late_codes")

    def csv_rows(self) -> list[list]:
        """Header plus one row per agency × month (rates rounded to 4 places, empty when undefined)."""
        rows: list[list] = [list(self.CSV_COLUMNS)]
        for row in self.rows:
            data = row.to_dict()
            data["late_codes"] = " ".join(item.feedback_code for item in row.late)
            for rate in ("on_time_rate", "published_rate"):
                data[rate] = "" if data[rate] is None else round(data[rate], 4)
            rows.append([data[column] for column in self.CSV_COLUMNS])
        return rows

    def to_dict(self) -> dict:
        return {
            "computed_at": self.computed_at,
            "definitions": self.definitions,
            "rows": [r.to_dict() for r in self.rows],
            "totals": self.totals.to_dict(),
            "late": {agency: [asdict(item) for item in items] for agency, items in self.late.items()},
        }


@dataclass
class _Item:
    code: str
    received_at: datetime | None = None
    has_receipt: bool = False
    agency_code: str | None = None
    due_at: datetime | None = None
    handled_at: datetime | None = None
    due_when_handled: datetime | None = None
    published: bool = False
    rejected: bool = False
    merged: bool = False
    status: str | None = None


def _get(event, name: str):
    return event.get(name) if isinstance(event, Mapping) else getattr(event, name, None)


def _replay(events: Iterable, now: datetime) -> dict[str, _Item]:
    """Fold each item's events up to `now`, in time order, into what the figures need."""
    indexed = sorted(
        ((i, e) for i, e in enumerate(events) if _get(e, "at") <= now),
        key=lambda pair: (_get(pair[1], "at"), pair[0]),
    )
    items: dict[str, _Item] = {}
    for _, event in indexed:
        item = items.setdefault(_get(event, "feedback_code"), _Item(_get(event, "feedback_code")))
        action = str(_get(event, "action") or "")
        to_status = _get(event, "to_status")
        at = _get(event, "at")
        if _get(event, "from_status") is None and action in _RECEIPT_ACTIONS and not item.has_receipt:
            item.received_at, item.has_receipt = at, True
        elif item.received_at is None:
            item.received_at = at  # partial log without its receipt event: the earliest event stands in
        if _get(event, "agency_code"):
            item.agency_code = _get(event, "agency_code")
        if _get(event, "due_at") is not None:
            item.due_at = _get(event, "due_at")
        if to_status is not None:
            item.status = str(to_status)
        if item.handled_at is None and (action == Action.answer or to_status == Status.answered):
            item.handled_at = at
            item.due_when_handled = item.due_at
        item.published |= action == Action.publish or to_status == Status.published
        item.rejected |= to_status == Status.rejected
        item.merged |= to_status == Status.merged
    return items


def compute_figures(events: Iterable, now: datetime, calendar: WorkCalendar | None = None) -> Figures:
    """Figures per (final agency, month of receipt) from audit events, as of `now`.

    Events after `now` are ignored, so figures for a past date can be reproduced exactly.
    """
    if calendar is None:  # the shipped announcements; pass calendar_from_settings(...) to add local ones
        extra_off, makeup = default_calendar_data()
        calendar = WorkCalendar(extra_off, makeup)
    rows: dict[tuple[str | None, str], AgencyMonth] = {}
    late: dict[str | None, list[LateItem]] = defaultdict(list)
    for item in _replay(events, now).values():
        month = calendar.local(item.received_at).strftime("%Y-%m")
        row = rows.setdefault((item.agency_code, month), AgencyMonth(item.agency_code, month))
        row.received += 1
        late_item = None
        if item.handled_at is not None:
            row.handled += 1
            row.published += item.published
            due = item.due_when_handled
            if due is None or item.handled_at <= due:
                row.handled_on_time += 1
            else:
                late_item = LateItem(item.code, item.agency_code, month, due, item.handled_at,
                                     max(1, calendar.working_days_between(due, item.handled_at)))
        elif item.rejected:
            row.rejected += 1
        elif item.merged:
            row.merged += 1
        elif item.status in OPEN_STATUSES and item.due_at is not None and now > item.due_at:
            row.overdue_open += 1
            late_item = LateItem(item.code, item.agency_code, month, item.due_at, None,
                                 max(1, calendar.working_days_between(item.due_at, now)))
        if late_item is not None:
            row.late.append(late_item)
            late[item.agency_code].append(late_item)

    ordered = sorted(rows.values(), key=lambda r: (r.month, r.agency_code or ""))
    totals = AgencyMonth(None, "*")
    for row in ordered:
        for name in _COUNTS:
            setattr(totals, name, getattr(totals, name) + getattr(row, name))
        totals.late.extend(row.late)
    for items in late.values():
        items.sort(key=lambda i: (-i.days_late, i.feedback_code))
    return Figures(ordered, dict(late), totals, now)


_COUNTS = ("received", "handled", "handled_on_time", "overdue_open", "published", "rejected", "merged")
