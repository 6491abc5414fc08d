"""Figures per agency and month, computed only from the append-only audit log.

Recomputing from audit events (rather than reading the current rows) is what makes the figures
honest: any published number can be re-derived by anyone holding the log. The definitions below are
returned with the figures so readers know exactly what was counted.

Every item received is in exactly one outcome at a given moment: handled on time, handled late, open
and not yet due, open and overdue, rejected (out of scope) or merged (duplicate). The headline rate is
the province's: (handled on time + open and not yet due) ÷ items to be handled, so an item that is
never answered keeps counting against its agency once it is overdue.

An audit event is a mapping or an object with: feedback_code, at, actor, action, from_status,
to_status, agency_code (owning agency after the event), due_at (answer due after the event), kind,
reason. The receipt event is the one with from_status None (FB-API writes action "receive").
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime

from feedback_api.feedback.lifecycle import OPEN_STATUSES, Action, Status
from feedback_api.feedback.sla import extend_for_pause
from feedback_api.feedback.workdays import WorkCalendar, default_calendar_data

DEFINITIONS: dict[str, str] = {
    "scope": (
        "Số liệu tính lại hoàn toàn từ nhật ký sự kiện (audit log). Mỗi PAKN được tính cho cơ quan chịu "
        "trách nhiệm cuối cùng (sau các lần chuyển) và cho tháng tiếp nhận (giờ Việt Nam), với tình trạng "
        "tại thời điểm computed_at. Riêng tồn đọng quá hạn được đếm tại từng thời điểm, không phụ thuộc "
        "tháng tiếp nhận."
    ),
    "on_time_rate": (
        "Tỷ lệ xử lý PAKN đúng hạn (on_time_rate) = (số đã trả lời đúng hạn + số đang xử lý chưa đến hạn) "
        "÷ số PAKN phải xử lý trong kỳ — cách tính của tỉnh, gồm cả PAKN đã giải quyết và đang giải "
        "quyết (ví dụ: 95.627 đúng hạn + 1.307 đang giải quyết trong hạn trên 97.171 = 99,76 %). "
        "PAKN chưa được trả lời mà đã quá hạn vẫn nằm trong mẫu số nên làm giảm tỷ lệ của cơ quan chịu "
        "trách nhiệm. Không có giá trị (null) khi không có PAKN nào phải xử lý."
    ),
    "handled_on_time_rate": (
        "Tỷ lệ trả lời đúng hạn trên số đã trả lời (handled_on_time_rate) = handled_on_time ÷ handled; "
        "không tính PAKN chưa trả lời; null khi chưa có PAKN nào được trả lời."
    ),
    "received": "Tiếp nhận (received) — số PAKN tiếp nhận trong tháng.",
    "due_total": (
        "Phải xử lý (due_total) = tiếp nhận − bị từ chối (không thuộc phạm vi) − trùng lặp đã gộp; "
        "mẫu số của tỷ lệ xử lý đúng hạn."
    ),
    "handled": "Đã trả lời (handled) — số PAKN đã được trả lời (có sự kiện trả lời 'answer').",
    "handled_on_time": (
        "Trả lời đúng hạn (handled_on_time) — số PAKN được trả lời không muộn hơn hạn trả lời có hiệu lực "
        "lúc trả lời (hạn đã cộng thời gian tạm dừng chờ công dân bổ sung thông tin)."
    ),
    "handled_late": "Trả lời trễ hạn (handled_late) = handled − handled_on_time.",
    "open_in_time": (
        "Đang xử lý trong hạn (open_in_time) — số PAKN chưa trả lời và chưa đến hạn tại thời điểm tính "
        "(khi đang chờ công dân bổ sung thông tin, hạn được lùi theo số ngày làm việc chờ)."
    ),
    "overdue_open": (
        "Quá hạn chưa trả lời (overdue_open) — số PAKN chưa được trả lời, chưa bị từ chối hay gộp, đã quá "
        "hạn trả lời tại thời điểm tính."
    ),
    "published": "Đã công khai (published) — số PAKN đã trả lời và đã công khai.",
    "published_rate": (
        "Tỷ lệ công khai (published_rate) = published ÷ handled — trên số đã trả lời; null khi handled = 0."
    ),
    "rejected": "Từ chối (rejected) — số PAKN không thuộc phạm vi (đã hướng dẫn công dân) và chưa được trả lời.",
    "merged": "Gộp trùng lặp (merged) — số PAKN trùng lặp đã gộp vào mã khác.",
    "funnel": (
        "Luồng xử lý theo cơ quan: được chuyển đến (forwarded = due_total) → đã trả lời (answered) → "
        "đã công khai (published); chưa trả lời (never_answered = open_in_time + overdue_open) là số "
        "PAKN cơ quan chưa trả lời tại thời điểm tính."
    ),
    "backlog": (
        "Tồn đọng quá hạn — PAKN chưa trả lời đã quá hạn tại một thời điểm, bất kể tháng tiếp nhận; "
        "days_overdue là số ngày làm việc đã quá hạn (ngày 1 là ngày làm việc đầu tiên sau hạn)."
    ),
    "late": (
        "Danh sách trễ hạn — PAKN tiếp nhận trong kỳ đã trả lời sau hạn, hoặc chưa trả lời và đã quá hạn; "
        "days_late là số ngày làm việc trễ (ngày 1 là ngày làm việc đầu tiên sau hạn)."
    ),
}

# Age of overdue backlog, in working days overdue: (label, first day, last day or None).
BACKLOG_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("1–5 ngày", 1, 5),
    ("6–10 ngày", 6, 10),
    ("11–20 ngày", 11, 20),
    ("Trên 20 ngày", 21, None),
)

_RECEIPT_ACTIONS = {"receive", "create", "intake"}
_OPEN = {str(s) for s in OPEN_STATUSES}


def province_on_time_rate(handled_on_time: int, open_in_time: int, due_total: int) -> float | None:
    """The province's on-time rate: (handled on time + open and not yet due) ÷ items to be handled."""
    return (handled_on_time + open_in_time) / due_total if due_total else None


def bucket_of(days_overdue: int) -> int:
    """Index into BACKLOG_BUCKETS of an item `days_overdue` working days overdue (>= 1)."""
    for index, (_, first, last) in enumerate(BACKLOG_BUCKETS):
        if days_overdue >= first and (last is None or days_overdue <= last):
            return index
    return 0


@dataclass(frozen=True)
class LateItem:
    feedback_code: str
    agency_code: str | None
    month: str
    due_at: datetime | None
    handled_at: datetime | None  # None: still open
    days_late: int  # working days


@dataclass(frozen=True)
class BacklogItem:
    feedback_code: str
    agency_code: str | None
    month: str  # month of receipt
    due_at: datetime
    days_overdue: int  # working days, >= 1


COUNTS = ("received", "handled", "handled_on_time", "open_in_time", "overdue_open", "published", "rejected", "merged")


@dataclass
class AgencyMonth:
    agency_code: str | None
    month: str  # "2026-03", month of receipt in local time ("*" for a total over months)
    received: int = 0
    handled: int = 0
    handled_on_time: int = 0
    open_in_time: int = 0
    overdue_open: int = 0
    published: int = 0
    rejected: int = 0
    merged: int = 0
    late: list[LateItem] = field(default_factory=list)

    @property
    def due_total(self) -> int:
        return self.received - self.rejected - self.merged

    @property
    def handled_late(self) -> int:
        return self.handled - self.handled_on_time

    @property
    def never_answered(self) -> int:
        return self.open_in_time + self.overdue_open

    @property
    def on_time_rate(self) -> float | None:
        return province_on_time_rate(self.handled_on_time, self.open_in_time, self.due_total)

    @property
    def handled_on_time_rate(self) -> float | None:
        return self.handled_on_time / self.handled if self.handled else None

    @property
    def published_rate(self) -> float | None:
        return self.published / self.handled if self.handled else None

    def add(self, other: AgencyMonth) -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.late.extend(other.late)

    def to_dict(self) -> dict:
        data = asdict(self)
        for name in (
            "due_total",
            "handled_late",
            "never_answered",
            "on_time_rate",
            "handled_on_time_rate",
            "published_rate",
        ):
            data[name] = getattr(self, name)
        data["funnel"] = {
            "forwarded": self.due_total,
            "answered": self.handled,
            "published": self.published,
            "never_answered": self.never_answered,
        }
        return data


def worst_first_key(row: AgencyMonth) -> tuple:
    """Sort key: lowest on-time rate first, then most overdue; agencies with nothing to handle last."""
    rate = row.on_time_rate
    return (rate is None, rate if rate is not None else 0.0, -row.overdue_open, -row.due_total, row.agency_code or "")


@dataclass
class Figures:
    rows: list[AgencyMonth]  # sorted by month, then agency
    late: dict[str | None, list[LateItem]]  # per agency, all months
    totals: AgencyMonth  # agency_code None, month "*"
    computed_at: datetime
    backlog: list[BacklogItem] = field(default_factory=list)  # open overdue at computed_at, any month
    definitions: dict[str, str] = field(default_factory=lambda: dict(DEFINITIONS))

    def row(self, agency_code: str | None, month: str) -> AgencyMonth | None:
        return next((r for r in self.rows if r.agency_code == agency_code and r.month == month), None)

    def to_dict(self) -> dict:
        return {
            "computed_at": self.computed_at,
            "definitions": self.definitions,
            "rows": [r.to_dict() for r in self.rows],
            "totals": self.totals.to_dict(),
            "late": {agency: [asdict(item) for item in items] for agency, items in self.late.items()},
            "backlog": [asdict(item) for item in self.backlog],
        }


@dataclass(frozen=True)
class _State:
    """An item's state right after one of its events."""

    at: datetime
    status: str | None
    agency_code: str | None
    due_at: datetime | None
    paused_at: datetime | None  # start of the current needs_info pause
    handled_at: datetime | None
    due_when_handled: datetime | None
    published: bool
    rejected: bool
    merged: bool


@dataclass
class ItemHistory:
    code: str
    received_at: datetime
    states: list[_State] = field(default_factory=list)
    times: list[datetime] = field(default_factory=list)  # states[i].at, for bisection

    def state_at(self, moment: datetime) -> _State | None:
        index = bisect_right(self.times, moment)
        return self.states[index - 1] if index else None


def _get(event, name: str):
    return event.get(name) if isinstance(event, Mapping) else getattr(event, name, None)


def replay(events: Iterable) -> dict[str, ItemHistory]:
    """Fold each item's events, in time order, into its sequence of states."""
    indexed = sorted(enumerate(events), key=lambda pair: (_get(pair[1], "at"), pair[0]))
    items: dict[str, ItemHistory] = {}
    current: dict[str, dict] = {}
    for _, event in indexed:
        code = _get(event, "feedback_code")
        at = _get(event, "at")
        action = str(_get(event, "action") or "")
        to_status = _get(event, "to_status")
        to_status = None if to_status is None else str(to_status)
        state = current.get(code)
        if state is None:
            # The receipt event (or, in a partial log, the earliest event standing in for it).
            state = current[code] = dict(
                status=None,
                agency_code=None,
                due_at=None,
                paused_at=None,
                handled_at=None,
                due_when_handled=None,
                published=False,
                rejected=False,
                merged=False,
            )
            items[code] = ItemHistory(code, at)
        elif _get(event, "from_status") is None and action in _RECEIPT_ACTIONS:
            items[code].received_at = min(items[code].received_at, at)
        if _get(event, "agency_code"):
            state["agency_code"] = _get(event, "agency_code")
        if _get(event, "due_at") is not None:
            state["due_at"] = _get(event, "due_at")
        if to_status is not None:
            if to_status == Status.needs_info and state["status"] != Status.needs_info:
                state["paused_at"] = at
            elif to_status != Status.needs_info:
                state["paused_at"] = None
            state["status"] = to_status
        if state["handled_at"] is None and (action == Action.answer or to_status == Status.answered):
            state["handled_at"] = at
            state["due_when_handled"] = state["due_at"]
        state["published"] |= action == Action.publish or to_status == Status.published
        state["rejected"] |= to_status == Status.rejected
        state["merged"] |= to_status == Status.merged
        items[code].states.append(_State(at=at, **state))
        items[code].times.append(at)
    return items


def effective_due(state: _State, moment: datetime, calendar: WorkCalendar) -> datetime | None:
    """The answer deadline as it stands at `moment`: a pause waiting for the citizen moves it on."""
    if state.due_at is None or state.paused_at is None:
        return state.due_at
    return extend_for_pause(state.due_at, state.paused_at, moment, calendar)


def overdue_at(state: _State, moment: datetime, calendar: WorkCalendar) -> datetime | None:
    """The effective due date when the item is open and overdue at `moment`, else None."""
    if state.handled_at is not None or state.rejected or state.merged:
        return None
    if state.status is not None and state.status not in _OPEN:
        return None
    due = effective_due(state, moment, calendar)
    return due if due is not None and moment > due else None


def _days_late(calendar: WorkCalendar, due: datetime, moment: datetime) -> int:
    return max(1, calendar.working_days_between(due, moment))


def backlog_at(items: Mapping[str, ItemHistory], moment: datetime, calendar: WorkCalendar) -> list[BacklogItem]:
    """Open overdue items at `moment`, whatever the month they were received; most overdue first."""
    result = []
    for item in items.values():
        state = item.state_at(moment)
        if state is None:
            continue
        due = overdue_at(state, moment, calendar)
        if due is not None:
            result.append(
                BacklogItem(
                    item.code,
                    state.agency_code,
                    calendar.local(item.received_at).strftime("%Y-%m"),
                    due,
                    _days_late(calendar, due, moment),
                )
            )
    result.sort(key=lambda b: (-b.days_overdue, b.feedback_code))
    return result


def backlog_counts(items: Mapping[str, ItemHistory], moments: Sequence[datetime], calendar: WorkCalendar) -> list[int]:
    """Number of open overdue items at each of `moments` (cheaper than backlog_at: no day counting)."""
    counts = []
    for moment in moments:
        count = 0
        for item in items.values():
            state = item.state_at(moment)
            count += state is not None and overdue_at(state, moment, calendar) is not None
        counts.append(count)
    return counts


def default_calendar() -> WorkCalendar:
    extra_off, makeup = default_calendar_data()  # the shipped announcements
    return WorkCalendar(extra_off, makeup)


def compute_figures(
    events: Iterable,
    now: datetime,
    calendar: WorkCalendar | None = None,
    items: Mapping[str, ItemHistory] | None = None,
) -> Figures:
    """Figures per (final agency, month of receipt) from audit events, as of `now`.

    Events after `now` are ignored, so figures for a past date can be reproduced exactly. `items` may
    pass an already replayed log (then `events` is not read).
    """
    if calendar is None:  # pass calendar_from_settings(...) to add local announcements
        calendar = default_calendar()
    if items is None:
        items = replay(events)
    rows: dict[tuple[str | None, str], AgencyMonth] = {}
    late: dict[str | None, list[LateItem]] = defaultdict(list)
    for item in items.values():
        state = item.state_at(now)
        if state is None:
            continue
        month = calendar.local(item.received_at).strftime("%Y-%m")
        row = rows.setdefault((state.agency_code, month), AgencyMonth(state.agency_code, month))
        row.received += 1
        late_item = None
        if state.handled_at is not None:
            row.handled += 1
            row.published += state.published
            due = state.due_when_handled
            if due is None or state.handled_at <= due:
                row.handled_on_time += 1
            else:
                late_item = LateItem(
                    item.code,
                    state.agency_code,
                    month,
                    due,
                    state.handled_at,
                    _days_late(calendar, due, state.handled_at),
                )
        elif state.rejected:
            row.rejected += 1
        elif state.merged:
            row.merged += 1
        else:
            due = overdue_at(state, now, calendar)
            if due is None:
                row.open_in_time += 1
            else:
                row.overdue_open += 1
                late_item = LateItem(item.code, state.agency_code, month, due, None, _days_late(calendar, due, now))
        if late_item is not None:
            row.late.append(late_item)
            late[state.agency_code].append(late_item)

    ordered = sorted(rows.values(), key=lambda r: (r.month, r.agency_code or ""))
    totals = AgencyMonth(None, "*")
    for row in ordered:
        totals.add(row)
    for group in late.values():
        group.sort(key=lambda i: (-i.days_late, i.feedback_code))
    return Figures(ordered, dict(late), totals, now, backlog_at(items, now, calendar))
