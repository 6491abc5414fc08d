"""The monthly report as one Excel workbook (openpyxl): figures, trend, backlog, late list, native charts.

Only what is public goes in: codes, agencies, dates and counts — never content or contact details
(the late list is the published form). Times are Vietnam local time (Excel has no time zones);
rates are numbers formatted as percentages, so the sheets can be recalculated and charted in Excel.
"""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from feedback_api.stats.service import local_text, percent, period_label

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="B71C1C")
TITLE_FONT = Font(bold=True, size=14)
PERCENT = "0.00%"
DATETIME = "dd/mm/yyyy hh:mm"

AGENCY_HEADERS = (
    "Cơ quan",
    "Mã cơ quan",
    "Phải xử lý",
    "Đã trả lời",
    "Trả lời đúng hạn",
    "Trả lời trễ hạn",
    "Đang xử lý trong hạn",
    "Quá hạn chưa trả lời",
    "Đã công khai",
    "Tỷ lệ xử lý đúng hạn",
    "Tỷ lệ trả lời đúng hạn (trên số đã trả lời)",
    "Tỷ lệ công khai",
)
AGENCY_FIELDS = (
    "due_total",
    "handled",
    "handled_on_time",
    "handled_late",
    "open_in_time",
    "overdue_open",
    "published",
    "on_time_rate",
    "handled_on_time_rate",
    "published_rate",
)
MONTH_HEADERS = (
    "Tháng",
    "Tiếp nhận",
    "Phải xử lý",
    "Đã trả lời",
    "Trả lời đúng hạn",
    "Đang xử lý trong hạn",
    "Quá hạn chưa trả lời",
    "Đã công khai",
    "Tỷ lệ xử lý đúng hạn",
    "Tỷ lệ trả lời đúng hạn (trên số đã trả lời)",
    "Tồn đọng quá hạn cuối tháng",
)
MONTH_FIELDS = (
    "received",
    "due_total",
    "handled",
    "handled_on_time",
    "open_in_time",
    "overdue_open",
    "published",
    "on_time_rate",
    "handled_on_time_rate",
    "backlog_overdue",
)
LATE_HEADERS = (
    "Cơ quan",
    "Mã PAKN",
    "Tháng tiếp nhận",
    "Hạn trả lời",
    "Ngày trả lời",
    "Tình trạng",
    "Số ngày làm việc trễ",
)
BACKLOG_HEADERS = ("Cơ quan", "Mã PAKN", "Tháng tiếp nhận", "Hạn trả lời", "Số ngày làm việc quá hạn")
SHEETS = ("Tổng quan", "Theo cơ quan", "Theo tháng", "Tồn đọng theo tuổi", "Danh sách trễ hạn", "Tồn đọng quá hạn")


def _local(value: datetime | None):
    return None if value is None else value.astimezone(TZ).replace(tzinfo=None)


def _month_label(month: str) -> str:
    year, number = month.split("-")
    return f"{number}/{year}"


def _header(sheet, headers, row: int = 1) -> None:
    for column, text in enumerate(headers, start=1):
        cell = sheet.cell(row=row, column=column, value=text)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1)


def _widths(sheet, widths) -> None:
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def _formats(sheet, first_row: int, last_row: int, columns: dict[int, str]) -> None:
    for column, number_format in columns.items():
        for row in range(first_row, last_row + 1):
            sheet.cell(row=row, column=column).number_format = number_format


def _overview(sheet, report: dict) -> None:
    totals = report["totals"]
    sheet["A1"] = f"Báo cáo xử lý phản ánh, kiến nghị — {period_label(report)}"
    sheet["A1"].font = TITLE_FONT
    facts = [
        ("Kỳ báo cáo", period_label(report)),
        ("Tính đến (giờ Việt Nam)", _local(report["computed_at"])),
        ("Tỷ lệ xử lý PAKN đúng hạn", totals["on_time_rate"]),
        ("Tỷ lệ trả lời đúng hạn (trên số đã trả lời)", totals["handled_on_time_rate"]),
        ("Tỷ lệ công khai (trên số đã trả lời)", totals["published_rate"]),
        ("Tiếp nhận", totals["received"]),
        ("Phải xử lý", totals["due_total"]),
        ("Đã trả lời đúng hạn", totals["handled_on_time"]),
        ("Đã trả lời trễ hạn", totals["handled_late"]),
        ("Đang xử lý trong hạn", totals["open_in_time"]),
        ("Quá hạn chưa trả lời", totals["overdue_open"]),
        ("Đã công khai", totals["published"]),
        ("Tồn đọng quá hạn hiện nay (mọi tháng tiếp nhận)", report["backlog"]["total"]),
    ]
    _header(sheet, ("Chỉ tiêu", "Giá trị"), row=3)
    for offset, (label, value) in enumerate(facts, start=4):
        sheet.cell(row=offset, column=1, value=label)
        cell = sheet.cell(row=offset, column=2, value=value)
        if label.startswith("Tỷ lệ"):
            cell.number_format = PERCENT
        elif isinstance(value, datetime):
            cell.number_format = DATETIME
    row = 4 + len(facts) + 1
    sheet.cell(row=row, column=1, value="Cách tính").font = Font(bold=True)
    for key, text in report["definitions"].items():
        row += 1
        sheet.cell(row=row, column=1, value=key)
        cell = sheet.cell(row=row, column=2, value=text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    _widths(sheet, (46, 110))


def _agencies(sheet, report: dict) -> None:
    _header(sheet, AGENCY_HEADERS)
    rows = report["agencies"]
    for index, agency in enumerate(rows, start=2):
        values = [agency["agency_name"], agency["agency_code"] or ""] + [agency[f] for f in AGENCY_FIELDS]
        for column, value in enumerate(values, start=1):
            sheet.cell(row=index, column=column, value=value)
    total_row = len(rows) + 2
    totals = report["totals"]
    for column, value in enumerate(["Tổng cộng", ""] + [totals[f] for f in AGENCY_FIELDS], start=1):
        sheet.cell(row=total_row, column=column, value=value).font = Font(bold=True)
    _formats(sheet, 2, total_row, {10: PERCENT, 11: PERCENT, 12: PERCENT})
    _widths(sheet, (42, 16, 11, 11, 13, 13, 14, 14, 12, 14, 20, 12))
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(AGENCY_HEADERS))}{max(2, len(rows) + 1)}"
    if not rows:
        return
    chart = BarChart()
    chart.type = "bar"  # horizontal: agency names stay readable
    chart.title = "Tỷ lệ xử lý PAKN đúng hạn theo cơ quan (thấp nhất trước)"
    chart.y_axis.title = "Tỷ lệ"
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 1
    chart.x_axis.scaling.orientation = "maxMin"  # first row (worst) at the top
    chart.add_data(Reference(sheet, min_col=10, min_row=1, max_row=len(rows) + 1), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=len(rows) + 1))
    chart.legend = None
    chart.height, chart.width = max(7.5, 0.6 * len(rows) + 3), 18
    sheet.add_chart(chart, "N2")


def _months(sheet, report: dict) -> None:
    _header(sheet, MONTH_HEADERS)
    months = report["months"]
    for index, month in enumerate(months, start=2):
        values = [_month_label(month["month"])] + [month[f] for f in MONTH_FIELDS]
        for column, value in enumerate(values, start=1):
            sheet.cell(row=index, column=column, value=value)
    _formats(sheet, 2, len(months) + 1, {9: PERCENT, 10: PERCENT})
    _widths(sheet, (10, 11, 11, 11, 13, 14, 14, 12, 14, 20, 16))
    if not months:
        return
    rates = LineChart()
    rates.title = "Xu hướng theo tháng"
    rates.y_axis.title = "Tỷ lệ"
    rates.y_axis.number_format = "0%"
    rates.y_axis.scaling.min = 0
    rates.y_axis.scaling.max = 1
    rates.add_data(Reference(sheet, min_col=9, max_col=10, min_row=1, max_row=len(months) + 1), titles_from_data=True)
    rates.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=len(months) + 1))
    rates.height, rates.width = 8, 18
    sheet.add_chart(rates, "M2")
    backlog = BarChart()
    backlog.title = "Tồn đọng quá hạn cuối tháng"
    backlog.y_axis.title = "Số PAKN"
    backlog.add_data(Reference(sheet, min_col=11, min_row=1, max_row=len(months) + 1), titles_from_data=True)
    backlog.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=len(months) + 1))
    backlog.legend = None
    backlog.height, backlog.width = 8, 18
    sheet.add_chart(backlog, "M20")


def _backlog_ages(sheet, report: dict) -> None:
    backlog = report["backlog"]
    labels = [b["label"] for b in backlog["buckets"]]
    _header(sheet, ("Cơ quan", *labels, "Tổng", "Lâu nhất (ngày làm việc)"))
    groups = backlog["agencies"]
    for index, group in enumerate(groups, start=2):
        for column, value in enumerate(
            [group["agency_name"], *group["buckets"], group["total"], group["oldest_days"]], start=1
        ):
            sheet.cell(row=index, column=column, value=value)
    total_row = len(groups) + 2
    for column, value in enumerate(
        ["Tổng cộng", *(b["count"] for b in backlog["buckets"]), backlog["total"], ""], start=1
    ):
        sheet.cell(row=total_row, column=column, value=value).font = Font(bold=True)
    sheet.cell(
        row=total_row + 2,
        column=1,
        value=f"Tồn đọng quá hạn tính đến {local_text(backlog['as_of'])} (giờ Việt Nam), mọi tháng tiếp nhận.",
    )
    _widths(sheet, (42, 11, 11, 11, 13, 9, 16))
    # Chart of the total row: how old the backlog is (always present, also when it is empty).
    chart = BarChart()
    chart.title = "Tồn đọng quá hạn theo số ngày làm việc quá hạn"
    chart.y_axis.title = "Số PAKN"
    chart.x_axis.title = "Số ngày làm việc quá hạn"
    chart.add_data(
        Reference(sheet, min_col=2, max_col=1 + len(labels), min_row=total_row), from_rows=True, titles_from_data=False
    )
    chart.set_categories(Reference(sheet, min_col=2, max_col=1 + len(labels), min_row=1))
    chart.legend = None
    chart.height, chart.width = 8, 16
    sheet.add_chart(chart, "I2")


def _late(sheet, report: dict) -> None:
    _header(sheet, LATE_HEADERS)
    row = 2
    for group in report["late"]:
        for item in group["items"]:
            values = [
                group["agency_name"],
                item["feedback_code"],
                _month_label(item["month"]),
                _local(item["due_at"]),
                _local(item["handled_at"]),
                "Đã trả lời trễ hạn" if item["handled_at"] else "Chưa trả lời",
                item["days_late"],
            ]
            for column, value in enumerate(values, start=1):
                sheet.cell(row=row, column=column, value=value)
            row += 1
    _formats(sheet, 2, row - 1, {4: DATETIME, 5: DATETIME})
    _widths(sheet, (42, 17, 14, 17, 17, 20, 12))
    sheet.auto_filter.ref = f"A1:G{max(2, row - 1)}"


def _backlog_items(sheet, report: dict) -> None:
    _header(sheet, BACKLOG_HEADERS)
    items = report["backlog"]["items"]
    for index, item in enumerate(items, start=2):
        values = [
            item["agency_name"],
            item["feedback_code"],
            _month_label(item["month"]),
            _local(item["due_at"]),
            item["days_overdue"],
        ]
        for column, value in enumerate(values, start=1):
            sheet.cell(row=index, column=column, value=value)
    _formats(sheet, 2, len(items) + 1, {4: DATETIME})
    _widths(sheet, (42, 17, 14, 17, 14))
    sheet.auto_filter.ref = f"A1:E{max(2, len(items) + 1)}"


def to_xlsx(report: dict) -> bytes:
    """The report (service.monthly_report) as an .xlsx file's bytes."""
    workbook = Workbook()
    overview = workbook.active
    overview.title = SHEETS[0]
    _overview(overview, report)
    for title, fill in zip(SHEETS[1:], (_agencies, _months, _backlog_ages, _late, _backlog_items), strict=False):
        fill(workbook.create_sheet(title), report)
    workbook.properties.title = f"Báo cáo PAKN {period_label(report)}"
    workbook.properties.creator = "Tổng đài 1022"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(report: dict) -> str:
    first, last = report["from"], report["to"]
    if first is None and last is None:
        span = "tat-ca"
    elif first == last:
        span = first
    else:
        span = f"{first or 'dau'}_{last or 'nay'}"
    return f"bao-cao-pakn-{span}.xlsx"


__all__ = ["SHEETS", "filename", "percent", "to_xlsx"]
