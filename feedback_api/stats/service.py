"""Figures per agency × month, recomputed from the audit log by figures.compute_figures."""
from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.settings import Settings

from feedback_api.orm import utcnow
from feedback_api.feedback.models import AuditEvent
from feedback_api.stats.figures import AgencyMonth, compute_figures
from feedback_api.feedback.workdays import calendar_from_settings
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
COUNT_FIELDS = ("received", "handled", "handled_on_time", "overdue_open", "published", "rejected", "merged")
CSV_COLUMNS = ("month", "agency_code", "agency_name", *COUNT_FIELDS, "on_time_rate", "published_rate")
LATE_CSV_COLUMNS = ("agency_code", "agency_name", "feedback_code", "month", "due_at", "handled_at", "days_late")


def parse_month(month: str) -> tuple[int, int]:
    year, number = month.split("-")
    if len(year) != 4 or len(number) != 2 or not (1 <= int(number) <= 12):
        raise ValueError(month)
    return int(year), int(number)


def previous_month(settings, now: datetime | None = None) -> str:
    calendar = calendar_from_settings(settings)
    first = calendar.local(now or utcnow()).date().replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


def _month_bounds(month: str, calendar) -> tuple[datetime, datetime]:
    year, number = parse_month(month)
    start = datetime.combine(datetime(year, number, 1).date(), time(), tzinfo=calendar.tz)
    following = datetime(year + (number == 12), number % 12 + 1, 1).date()
    return start, datetime.combine(following, time(), tzinfo=calendar.tz)


def audit_events(session: Session, month: str | None = None, calendar=None) -> list:
    """Audit rows (as mappings) of every item — or, with `month`, of the items received that month."""
    query = select(*EVENT_COLUMNS).order_by(AuditEvent.id)
    if month is not None:
        start, end = _month_bounds(month, calendar)
        received = (
            select(AuditEvent.feedback_code)
            .where(AuditEvent.from_status.is_(None), AuditEvent.at >= start, AuditEvent.at < end)
        )
        query = query.where(AuditEvent.feedback_code.in_(received))
    return list(session.execute(query).mappings())


def month_figures(session: Session, settings: Settings, month: str | None = None, now: datetime | None = None):
    """The figures of every agency for `month` (None: all months), recomputed from the audit log."""
    calendar = calendar_from_settings(settings)
    return compute_figures(audit_events(session, month, calendar), now or utcnow(), calendar)


def monthly_report(session: Session, settings: Settings, directory: Directory, *, month: str | None = None,
                   agency: str | None = None, now: datetime | None = None, figures=None) -> dict:
    """The report of `month` (and `agency`); `figures` may be given already computed (the /stats cache)."""
    if figures is None:
        figures = month_figures(session, settings, month, now)
    rows = [r for r in figures.rows if (month is None or r.month == month) and (agency is None or r.agency_code == agency)]
    totals = AgencyMonth(agency, month or "*")
    for row in rows:
        for name in COUNT_FIELDS:
            setattr(totals, name, getattr(totals, name) + getattr(row, name))
    late: dict[str, list[dict]] = {}
    for row in rows:
        for item in row.late:
            late.setdefault(item.agency_code, []).append(_late_dict(item))
    for items in late.values():
        items.sort(key=lambda i: (-i["days_late"], i["feedback_code"]))
    return {
        "month": month,
        "agency": agency,
        "computed_at": figures.computed_at,
        "definitions": figures.definitions,
        "rows": [_row_dict(r, directory) for r in rows],
        "totals": {k: v for k, v in totals.to_dict().items() if k != "late"},
        "late": [
            {"agency_code": code, "agency_name": directory.name(code), "items": items}
            for code, items in sorted(late.items(), key=lambda kv: kv[0] or "")
        ],
    }


def _row_dict(row: AgencyMonth, directory: Directory) -> dict:
    data = {k: v for k, v in row.to_dict().items() if k != "late"}
    data["agency_name"] = directory.name(row.agency_code)
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


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def to_csv(report: dict, table: str = "rows") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if table == "late":
        writer.writerow(LATE_CSV_COLUMNS)
        for group in report["late"]:
            for item in group["items"]:
                writer.writerow([_fmt(group["agency_code"]), _fmt(group["agency_name"]), item["feedback_code"],
                                 item["month"], _fmt(item["due_at"]), _fmt(item["handled_at"]), item["days_late"]])
        return buffer.getvalue()
    writer.writerow(CSV_COLUMNS)
    for row in report["rows"]:
        writer.writerow([_fmt(row.get(c)) for c in CSV_COLUMNS])
    return buffer.getvalue()


def to_text(report: dict) -> str:
    lines = [f"Báo cáo PAKN tháng {report['month'] or 'tất cả'} (tính đến {report['computed_at']:%Y-%m-%d %H:%M} UTC)"]
    header = f"{'Cơ quan':<16}{'Tiếp nhận':>10}{'Đã TL':>8}{'Đúng hạn':>10}{'Quá hạn':>9}{'Công khai':>10}{'Tỷ lệ đúng hạn':>16}"
    lines += [header, "-" * len(header)]
    for row in report["rows"] + [dict(report["totals"], agency_code="TỔNG")]:
        rate = "—" if row["on_time_rate"] is None else f"{row['on_time_rate']:.0%}"
        lines.append(f"{row['agency_code'] or '?':<16}{row['received']:>10}{row['handled']:>8}"
                     f"{row['handled_on_time']:>10}{row['overdue_open']:>9}{row['published']:>10}{rate:>16}")
    if report["late"]:
        lines.append("")
        lines.append("Danh sách trễ hạn:")
        for group in report["late"]:
            codes = ", ".join(f"{i['feedback_code']} ({i['days_late']} ngày)" for i in group["items"])
            lines.append(f"- {group['agency_name']}: {codes}")
    lines.append("")
    lines.append(report["definitions"]["on_time_rate"])
    return "\n".join(lines) + "\n"
