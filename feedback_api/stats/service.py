"""The stats report: figures (stats.figures) over a month range, as JSON-ready data, CSV and text.

The report is what GET /stats, the pages, the CSV/XLSX downloads and `hotline report monthly` share:
per agency × month rows, per agency totals (worst first, with the funnel), a monthly trend with the
overdue backlog at each month end, the late list of the period and the overdue backlog now.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.settings import Settings
from feedback_api.feedback.models import AuditEvent
from feedback_api.feedback.workdays import WorkCalendar, calendar_from_settings
from feedback_api.orm import utcnow
from feedback_api.stats.figures import (
    BACKLOG_BUCKETS,
    AgencyMonth,
    backlog_counts,
    bucket_of,
    compute_figures,
    replay,
    worst_first_key,
)
from knowledge_base.directory import Directory

EVENT_COLUMNS = (
    AuditEvent.feedback_code,
    AuditEvent.at,
    AuditEvent.actor,
    AuditEvent.action,
    AuditEvent.from_status,
    AuditEvent.to_status,
    AuditEvent.agency_code,
    AuditEvent.due_at,
    AuditEvent.kind,
    AuditEvent.reason,
)
COUNT_FIELDS = (
    "received",
    "due_total",
    "handled",
    "handled_on_time",
    "handled_late",
    "open_in_time",
    "overdue_open",
    "published",
    "rejected",
    "merged",
)
RATE_FIELDS = ("on_time_rate", "handled_on_time_rate", "published_rate")
CSV_COLUMNS = ("month", "agency_code", "agency_name", *COUNT_FIELDS, *RATE_FIELDS)
LATE_CSV_COLUMNS = ("agency_code", "agency_name", "feedback_code", "month", "due_at", "handled_at", "days_late")
BACKLOG_CSV_COLUMNS = ("agency_code", "agency_name", "feedback_code", "month", "due_at", "days_overdue")
UNKNOWN_AGENCY = "Chưa xác định"

# The service keeps no items from before 2000; later than next year is a typo, not a query.
MIN_MONTH = (2000, 1)
MAX_RANGE_MONTHS = 60
MONTH_RE = re.compile(r"^([0-9]{4})-([0-9]{2})$")


class MonthError(ValueError):
    """A month parameter that is malformed or out of range; the message is Vietnamese, for the user."""


def _latest_month(now: datetime | None = None) -> tuple[int, int]:
    return ((now or utcnow()).year + 1, 12)


def parse_month(month: str, now: datetime | None = None) -> tuple[int, int]:
    """ "2026-03" -> (2026, 3); MonthError (Vietnamese message) when malformed or out of range."""
    match = MONTH_RE.match(month or "")
    shown = month if len(month or "") <= 20 else month[:20] + "…"
    if not match:
        raise MonthError(f"Tháng “{shown}” không đúng định dạng năm-tháng (YYYY-MM), ví dụ 2026-03.")
    year, number = int(match.group(1)), int(match.group(2))
    if not 1 <= number <= 12:
        raise MonthError(f"Tháng “{month}” không hợp lệ: tháng phải từ 01 đến 12.")
    latest = _latest_month(now)
    if not MIN_MONTH <= (year, number) <= latest:
        raise MonthError(
            f"Tháng “{month}” nằm ngoài phạm vi số liệu: chỉ nhận từ {MIN_MONTH[1]:02d}/{MIN_MONTH[0]} "
            f"đến {latest[1]:02d}/{latest[0]}."
        )
    return year, number


def month_range(
    month: str | None = None, month_from: str | None = None, month_to: str | None = None, now: datetime | None = None
) -> tuple[str | None, str | None]:
    """The (first, last) month asked for: one month, a range, an open-ended range, or (None, None) for all."""
    if month is not None and (month_from is not None or month_to is not None):
        raise MonthError("Chỉ chọn một tháng (month) hoặc một khoảng tháng (from, to), không chọn cả hai.")
    if month is not None:
        parse_month(month, now)
        return month, month
    for value in (month_from, month_to):
        if value is not None:
            parse_month(value, now)
    if month_from and month_to and month_from > month_to:
        raise MonthError(f"Tháng bắt đầu ({month_from}) phải trước hoặc bằng tháng kết thúc ({month_to}).")
    if month_from and month_to and len(months_between(month_from, month_to)) > MAX_RANGE_MONTHS:
        raise MonthError(f"Khoảng tháng quá dài: chọn tối đa {MAX_RANGE_MONTHS} tháng.")
    return month_from, month_to


def months_between(first: str, last: str) -> list[str]:
    year, number = map(int, first.split("-"))
    months = []
    while f"{year:04d}-{number:02d}" <= last:
        months.append(f"{year:04d}-{number:02d}")
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return months


def previous_month(settings, now: datetime | None = None) -> str:
    calendar = calendar_from_settings(settings)
    first = calendar.local(now or utcnow()).date().replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


def month_end(month: str, calendar: WorkCalendar) -> datetime:
    """The last moment of `month` in local time."""
    year, number = map(int, month.split("-"))
    following = datetime(year + (number == 12), number % 12 + 1, 1).date()
    return datetime.combine(following, time(), tzinfo=calendar.tz) - timedelta(microseconds=1)


def audit_events(session: Session) -> list:
    """Every audit row, as mappings: the overdue backlog at a date needs items of every month."""
    return list(session.execute(select(*EVENT_COLUMNS).order_by(AuditEvent.id)).mappings())


def _agency_name(directory: Directory, code: str | None) -> str:
    return (directory.name(code) if code else None) or UNKNOWN_AGENCY


def _in_range(month: str, first: str | None, last: str | None) -> bool:
    return (first is None or month >= first) and (last is None or month <= last)


def monthly_report(
    session: Session | None,
    settings: Settings,
    directory: Directory,
    *,
    month: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
    agency: str | None = None,
    now: datetime | None = None,
    events: list | None = None,
) -> dict:
    """The report for one month, a month range or all months (MonthError on bad months).

    The audit events are read with `session` unless given as `events` (then `session` may be None).
    """
    now = now or utcnow()
    first, last = month_range(month, month_from, month_to, now)
    calendar = calendar_from_settings(settings)
    if events is None:
        if session is None:
            raise ValueError("monthly_report needs a session or the events")
        events = audit_events(session)
    items = replay(events)
    figures = compute_figures((), now, calendar, items=items)

    def wanted(code: str | None) -> bool:
        return agency is None or code == agency

    rows = [r for r in figures.rows if _in_range(r.month, first, last) and wanted(r.agency_code)]
    per_agency: dict[str | None, AgencyMonth] = {}
    per_month: dict[str, AgencyMonth] = {}
    totals = AgencyMonth(agency, "*" if first != last or first is None else first)
    for row in rows:
        per_agency.setdefault(row.agency_code, AgencyMonth(row.agency_code, "*")).add(row)
        per_month.setdefault(row.month, AgencyMonth(agency, row.month)).add(row)
        totals.add(row)
    agencies = sorted(per_agency.values(), key=worst_first_key)
    rank = {a.agency_code: i for i, a in enumerate(agencies)}
    rows.sort(key=lambda r: (r.month, worst_first_key(r)))

    # Trend: every month of the range (also empty ones), with the overdue backlog at each month end.
    now_month = calendar.local(now).strftime("%Y-%m")
    if first is None and last is None:
        span = sorted(per_month)
    else:
        end = last or max([*per_month, now_month])
        span = months_between(first or min([*per_month, end]), end)
    span_past = [m for m in span if m <= now_month]
    wanted_items = {
        code: item
        for code, item in items.items()
        if agency is None or any(s.agency_code == agency for s in item.states)
    }
    ends = [min(month_end(m, calendar), now) for m in span_past]
    ends_backlog = dict(zip(span_past, _backlog_counts_for(wanted_items, ends, calendar, agency), strict=False))
    months = []
    for m in span:
        data = _counts_dict(per_month.get(m, AgencyMonth(agency, m)))
        data["backlog_overdue"] = ends_backlog.get(m)
        months.append(data)

    late: dict[str | None, list[dict]] = {}
    for row in rows:
        for item in row.late:
            late.setdefault(item.agency_code, []).append(_late_dict(item))
    for group in late.values():
        group.sort(key=lambda i: (-i["days_late"], i["feedback_code"]))

    return {
        "month": first if first == last else None,
        "from": first,
        "to": last,
        "agency": agency,
        "computed_at": now,
        "timezone": str(calendar.tz),
        "definitions": figures.definitions,
        "rows": [_row_dict(r, directory) for r in rows],
        "agencies": [_row_dict(a, directory) for a in agencies],
        "months": months,
        "totals": _counts_dict(totals),
        "late": [
            {"agency_code": code, "agency_name": _agency_name(directory, code), "items": group}
            for code, group in sorted(late.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0] or ""))
        ],
        "backlog": _backlog_dict([b for b in figures.backlog if wanted(b.agency_code)], now, directory),
    }


def _backlog_counts_for(items, moments, calendar, agency) -> list[int]:
    if agency is None:
        return backlog_counts(items, moments, calendar)
    # Only the items the agency owned at that moment.
    counts = []
    for moment in moments:
        owned = {
            code: item
            for code, item in items.items()
            if (state := item.state_at(moment)) is not None and state.agency_code == agency
        }
        counts.append(backlog_counts(owned, [moment], calendar)[0])
    return counts


def _counts_dict(row: AgencyMonth) -> dict:
    return {k: v for k, v in row.to_dict().items() if k != "late"}


def _row_dict(row: AgencyMonth, directory: Directory) -> dict:
    data = _counts_dict(row)
    data["agency_name"] = _agency_name(directory, row.agency_code)
    data["late_codes"] = [item.feedback_code for item in row.late]
    return data


def _late_dict(item) -> dict:
    return {
        "feedback_code": item.feedback_code,
        "month": item.month,
        "due_at": item.due_at,
        "handled_at": item.handled_at,
        "days_late": item.days_late,
    }


def _backlog_dict(backlog: list, now: datetime, directory: Directory) -> dict:
    buckets = [0] * len(BACKLOG_BUCKETS)
    per_agency: dict[str | None, dict] = {}
    for item in backlog:
        index = bucket_of(item.days_overdue)
        buckets[index] += 1
        group = per_agency.setdefault(
            item.agency_code,
            {
                "agency_code": item.agency_code,
                "agency_name": _agency_name(directory, item.agency_code),
                "total": 0,
                "buckets": [0] * len(BACKLOG_BUCKETS),
                "oldest_days": 0,
            },
        )
        group["total"] += 1
        group["buckets"][index] += 1
        group["oldest_days"] = max(group["oldest_days"], item.days_overdue)
    return {
        "as_of": now,
        "total": len(backlog),
        "buckets": [
            {"label": label, "min_days": low, "max_days": high, "count": count}
            for (label, low, high), count in zip(BACKLOG_BUCKETS, buckets, strict=False)
        ],
        "agencies": sorted(per_agency.values(), key=lambda g: (-g["total"], -g["oldest_days"], g["agency_code"] or "")),
        "items": [
            {
                "feedback_code": b.feedback_code,
                "agency_code": b.agency_code,
                "agency_name": _agency_name(directory, b.agency_code),
                "month": b.month,
                "due_at": b.due_at,
                "days_overdue": b.days_overdue,
            }
            for b in backlog
        ],
    }


# --- CSV and text ---------------------------------------------------------------------------------
def local_text(value: datetime, tz=None) -> str:
    """A moment as Vietnam local time, to the second: "2026-03-05 17:00:00" (what Excel reads as a date)."""
    from zoneinfo import ZoneInfo

    return value.astimezone(tz or ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%Y-%m-%d %H:%M:%S")


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, datetime):
        return local_text(value)
    return str(value)


CSV_BOM = "\ufeff"  # Excel on Windows reads UTF-8 only with it


def to_csv(report: dict, table: str = "rows") -> str:
    """One table of the report as CSV: UTF-8 with BOM, times in Vietnam local time without microseconds."""
    buffer = io.StringIO()
    buffer.write(CSV_BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    if table == "late":
        writer.writerow(LATE_CSV_COLUMNS)
        for group in report["late"]:
            for item in group["items"]:
                writer.writerow(
                    [
                        _fmt(group["agency_code"]),
                        _fmt(group["agency_name"]),
                        item["feedback_code"],
                        item["month"],
                        _fmt(item["due_at"]),
                        _fmt(item["handled_at"]),
                        item["days_late"],
                    ]
                )
    elif table == "backlog":
        writer.writerow(BACKLOG_CSV_COLUMNS)
        for item in report["backlog"]["items"]:
            writer.writerow([_fmt(item.get(c)) for c in BACKLOG_CSV_COLUMNS])
    else:
        writer.writerow(CSV_COLUMNS)
        for row in report["rows"]:
            writer.writerow([_fmt(row.get(c)) for c in CSV_COLUMNS])
    return buffer.getvalue()


def period_label(report: dict) -> str:
    first, last = report["from"], report["to"]

    def label(month: str) -> str:
        year, number = month.split("-")
        return f"{int(number)}/{year}"

    if first is None and last is None:
        return "tất cả các tháng"
    if first == last:
        return f"tháng {label(first)}"
    if first is None:
        return f"đến tháng {label(last)}"
    if last is None:
        return f"từ tháng {label(first)}"
    return f"từ tháng {label(first)} đến tháng {label(last)}"


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.2f} %".replace(".", ",")


def to_text(report: dict) -> str:
    lines = [f"Báo cáo PAKN {period_label(report)} (tính đến {local_text(report['computed_at'])}, giờ Việt Nam)"]
    totals = report["totals"]
    lines.append(
        f"Tỷ lệ xử lý PAKN đúng hạn: {percent(totals['on_time_rate'])} "
        f"({totals['handled_on_time']} đúng hạn + {totals['open_in_time']} đang xử lý trong hạn "
        f"/ {totals['due_total']} phải xử lý)"
    )
    lines.append(f"Tỷ lệ trả lời đúng hạn trên số đã trả lời: {percent(totals['handled_on_time_rate'])}")
    lines.append(f"Tồn đọng quá hạn hiện nay (mọi tháng tiếp nhận): {report['backlog']['total']}")
    lines.append("")
    header = (
        f"{'Cơ quan':<16}{'Phải XL':>8}{'Đã TL':>7}{'Đúng hạn':>9}{'Trong hạn':>10}{'Quá hạn':>8}"
        f"{'Công khai':>10}{'Tỷ lệ đúng hạn':>16}"
    )
    lines += [header, "-" * len(header)]
    for row in report["agencies"] + [dict(totals, agency_code="TỔNG")]:
        lines.append(
            f"{row['agency_code'] or '?':<16}{row['due_total']:>8}{row['handled']:>7}"
            f"{row['handled_on_time']:>9}{row['open_in_time']:>10}{row['overdue_open']:>8}"
            f"{row['published']:>10}{percent(row['on_time_rate']):>16}"
        )
    if report["late"]:
        lines.append("")
        lines.append("Danh sách trễ hạn:")
        for group in report["late"]:
            codes = ", ".join(f"{i['feedback_code']} ({i['days_late']} ngày)" for i in group["items"])
            lines.append(f"- {group['agency_name']}: {codes}")
    lines.append("")
    lines.append(report["definitions"]["on_time_rate"])
    return "\n".join(lines) + "\n"
