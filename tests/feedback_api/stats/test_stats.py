"""Figures: the endpoint agrees with an independent recomputation from the raw audit rows."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from common.db import get_engine
from feedback_api.feedback.lifecycle import Action

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OPEN = {"received", "assigned", "in_progress", "transferred", "returned", "needs_info"}


def _scenario(api) -> dict[str, str]:
    """Items with every outcome; old ones are logged by an operator with a past received_at."""
    op, sup = api.tokens["operator"], api.tokens["supervisor"]

    def logged(when: str) -> str:
        return api.submit(headers=op, received_at=when)["code"]

    def run(code: str, *steps):
        for action, body in steps:
            response = api.act(code, action, body, sup)
            assert response.status_code == 200, (code, action, response.text)

    assign_stp = (Action.assign, {"agency": "STP"})
    answer = (Action.answer, {"answer": "Đã xử lý xong nội dung phản ánh."})
    codes = {
        "late_published": logged("2026-09-01T09:00:00+07:00"),
        "late_transferred": logged("2026-09-03T09:00:00+07:00"),
        "overdue_open": logged("2026-09-02T09:00:00+07:00"),
        "rejected_old": logged("2026-09-04T09:00:00+07:00"),
        "on_time": api.submit()["code"],
        "on_time_published": api.submit()["code"],
        "open_recent": api.submit()["code"],
        "merged": api.submit()["code"],
    }
    run(codes["late_published"], assign_stp, answer, (Action.publish, {}))
    run(
        codes["late_transferred"],
        assign_stp,
        (Action.transfer, {"agency": "SXD", "reason": "Thuộc lĩnh vực xây dựng"}),
        (Action.start, {}),
        answer,
    )
    run(codes["overdue_open"], assign_stp, (Action.start, {}))
    run(codes["rejected_old"], (Action.reject, {"reason": "Đơn khiếu nại", "guidance": "Gửi theo Luật Khiếu nại"}))
    run(codes["on_time"], assign_stp, (Action.start, {}), answer)
    run(codes["on_time_published"], assign_stp, answer, (Action.publish, {}), (Action.close, {}))
    run(codes["open_recent"], assign_stp)
    run(codes["merged"], (Action.merge, {"into": codes["on_time"]}))
    return codes


def _independent(database_url: str, now: datetime) -> dict[tuple[str, str], dict]:
    """Straight from the definitions, over raw SQL rows (no project code involved)."""
    with get_engine(database_url).connect() as connection:
        rows = connection.execute(
            text(
                "SELECT feedback_code, at, action, from_status, to_status, agency_code, due_at"
                " FROM audit_event ORDER BY id"
            )
        ).all()
    per_item: dict[str, list] = {}
    for row in rows:
        per_item.setdefault(row.feedback_code, []).append(row)

    def aware(value):
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    result: dict[tuple[str, str], dict] = {}
    for events in per_item.values():
        receipt = next(e for e in events if e.from_status is None)
        month = aware(receipt.at).astimezone(TZ).strftime("%Y-%m")
        last = events[-1]
        key = (last.agency_code, month)
        counts = result.setdefault(
            key,
            dict(
                received=0,
                handled=0,
                handled_on_time=0,
                open_in_time=0,
                overdue_open=0,
                published=0,
                closed_unanswered=0,
            ),
        )
        counts["received"] += 1
        answered = next((e for e in events if e.action == "answer"), None)
        if answered is not None:
            counts["handled"] += 1
            counts["handled_on_time"] += aware(answered.at) <= aware(answered.due_at)
            counts["published"] += any(e.action == "publish" for e in events)
        elif last.to_status in OPEN:  # (no needs_info pause in the scenario)
            counts["overdue_open" if aware(last.due_at) < now else "open_in_time"] += 1
        else:  # rejected or merged: nothing left for an agency to answer
            counts["closed_unanswered"] += 1
    for counts in result.values():
        due_total = counts["received"] - counts.pop("closed_unanswered")
        counts["on_time_rate"] = (counts["handled_on_time"] + counts["open_in_time"]) / due_total if due_total else None
        counts["handled_on_time_rate"] = counts["handled_on_time"] / counts["handled"] if counts["handled"] else None
    return result


def test_stats_match_independent_recomputation(api, database_url):
    codes = _scenario(api)
    response = api.client.get("/api/v1/stats")
    assert response.status_code == 200
    report = response.json()
    assert "Tỷ lệ xử lý PAKN đúng hạn" in report["definitions"]["on_time_rate"]
    assert "handled_on_time ÷ handled" in report["definitions"]["handled_on_time_rate"]
    now = datetime.fromisoformat(report["computed_at"])
    expected = _independent(database_url, now)
    got = {
        (r["agency_code"], r["month"]): {
            k: r[k]
            for k in (
                "received",
                "handled",
                "handled_on_time",
                "open_in_time",
                "overdue_open",
                "published",
                "on_time_rate",
                "handled_on_time_rate",
            )
        }
        for r in report["rows"]
    }
    assert got == expected

    # And the scenario's own facts, stated by hand.
    this_month = now.astimezone(TZ).strftime("%Y-%m")
    stp_sept = got[("STP", "2026-09")]
    assert stp_sept == {
        "received": 2,
        "handled": 1,
        "handled_on_time": 0,
        "open_in_time": 0,
        "overdue_open": 1,
        "published": 1,
        "on_time_rate": 0.0,
        "handled_on_time_rate": 0.0,
    }
    assert got[("SXD", "2026-09")]["handled"] == 1 and got[("SXD", "2026-09")]["handled_on_time"] == 0
    # This month: 2 answered on time + 1 open, not yet due, of 3 (the merged duplicate is not counted).
    assert got[("STP", this_month)]["handled_on_time"] == 2 and got[("STP", this_month)]["on_time_rate"] == 1.0
    assert got[("STP", this_month)]["open_in_time"] == 1
    late = {group["agency_code"]: [i["feedback_code"] for i in group["items"]] for group in report["late"]}
    assert set(late["STP"]) == {codes["late_published"], codes["overdue_open"]}
    assert late["SXD"] == [codes["late_transferred"]]
    assert codes["rejected_old"] not in str(late)


def test_month_and_agency_filters_and_csv(api):
    _scenario(api)
    september = api.client.get("/api/v1/stats", params={"month": "2026-09"}).json()
    assert {r["month"] for r in september["rows"]} == {"2026-09"}
    assert september["totals"]["received"] == 4  # late_published, late_transferred, overdue_open, rejected_old
    only_stp = api.client.get("/api/v1/stats", params={"month": "2026-09", "agency": "STP"}).json()
    assert [r["agency_code"] for r in only_stp["rows"]] == ["STP"]
    assert only_stp["totals"]["received"] == only_stp["rows"][0]["received"] == 2

    exported = api.client.get("/api/v1/stats", params={"month": "2026-09", "format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel on Windows reads the Vietnamese right
    table = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [(r["agency_code"], int(r["received"]), int(r["handled_on_time"])) for r in table] == [
        (r["agency_code"], r["received"], r["handled_on_time"]) for r in september["rows"]
    ]
    late_csv = list(
        csv.DictReader(
            io.StringIO(
                api.client.get(
                    "/api/v1/stats", params={"month": "2026-09", "format": "csv", "table": "late"}
                ).content.decode("utf-8-sig")
            )
        )
    )
    assert sorted(r["feedback_code"] for r in late_csv) == sorted(
        i["feedback_code"] for g in september["late"] for i in g["items"]
    )
    assert all(int(r["days_late"]) >= 1 for r in late_csv)
    # Local time to the second, as Excel reads it: the due date of a 10-working-day item is 23:59:59 local.
    for r in late_csv:
        assert re.fullmatch(r"2026-\d\d-\d\d 23:59:59", r["due_at"]), r["due_at"]
        assert r["handled_at"] == "" or re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r["handled_at"])


def test_stats_expose_no_personal_data(api):
    api.submit(contact={"name": "Phạm Thị Lan", "phone": "0987654321"})
    body = api.client.get("/api/v1/stats").text
    assert "Lan" not in body and "0987654321" not in body


def test_backlog_trend_and_worst_first(api):
    codes = _scenario(api)
    report = api.client.get("/api/v1/stats", params={"from": "2026-08", "to": "2026-10"}).json()
    assert (report["from"], report["to"], report["month"]) == ("2026-08", "2026-10", None)
    # Every month of the range in the trend, also the empty ones.
    assert [m["month"] for m in report["months"]] == ["2026-08", "2026-09", "2026-10"]
    assert report["months"][0]["received"] == 0 and report["months"][1]["received"] == 4
    # Agencies worst first: STP (0 %) before SXD (0 %, less overdue) — and never A→Z by accident.
    rates = [a["on_time_rate"] for a in report["agencies"] if a["on_time_rate"] is not None]
    assert rates == sorted(rates)
    assert report["agencies"][0]["agency_code"] == "STP"
    assert report["agencies"][0]["funnel"] == {"forwarded": 2, "answered": 1, "published": 1, "never_answered": 1}
    assert all(a["agency_name"] for a in report["agencies"])
    # The September item still open is in the backlog now, whichever month is looked at.
    this_month = datetime.fromisoformat(report["computed_at"]).astimezone(TZ).strftime("%Y-%m")
    current = api.client.get("/api/v1/stats", params={"month": this_month}).json()
    backlog_codes = [i["feedback_code"] for i in current["backlog"]["items"]]
    assert codes["overdue_open"] in backlog_codes and codes["open_recent"] not in backlog_codes
    assert current["backlog"]["total"] == sum(b["count"] for b in current["backlog"]["buckets"])
    assert current["backlog"]["agencies"][0]["agency_code"] == "STP"
    assert all(i["days_overdue"] >= 1 for i in current["backlog"]["items"])
    # The backlog at the end of September: the item was then already overdue (received 2/9, 10 working days).
    assert report["months"][1]["backlog_overdue"] >= 1
    backlog_csv = api.client.get("/api/v1/stats", params={"month": this_month, "format": "csv", "table": "backlog"})
    assert codes["overdue_open"] in backlog_csv.content.decode("utf-8-sig")


@pytest.mark.parametrize(
    "params",
    [
        {"month": "0001-01"},
        {"month": "2026-13"},
        {"month": "2026-00"},
        {"month": "2026-1"},
        {"month": "03-2026"},
        {"month": "abc"},
        {"month": ""},
        {"month": "9999-01"},
        {"month": "２０２６-０３"},
        {"from": "2026-05", "to": "2026-03"},
        {"from": "1999-12"},
        {"to": "2026-99"},
        {"month": "2026-03", "from": "2026-01"},
        {"from": "2020-01", "to": "2026-03"},
        {"month": "2026-03", "format": "xlsx", "to": "x"},
        {"month": "2026-03'--"},
    ],
)
def test_bad_month_is_422_in_vietnamese(api, params):
    response = api.client.get("/api/v1/stats", params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] in ("invalid_month", "validation_error")
    assert any(ch in body["detail"] for ch in "áàảạăâđêôơưếệốộớờ"), body["detail"]


def test_xlsx_download(api):
    from openpyxl import load_workbook

    codes = _scenario(api)
    response = api.client.get("/api/v1/stats", params={"from": "2026-09", "to": "2026-09", "format": "xlsx"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert 'filename="bao-cao-pakn-2026-09.xlsx"' in response.headers["content-disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "Tổng quan",
        "Theo cơ quan",
        "Theo tháng",
        "Tồn đọng theo tuổi",
        "Danh sách trễ hạn",
        "Tồn đọng quá hạn",
    ]
    by_agency = workbook["Theo cơ quan"]
    assert by_agency["A1"].value == "Cơ quan" and by_agency["J1"].value == "Tỷ lệ xử lý đúng hạn"
    assert by_agency["B2"].value == "STP" and by_agency["J2"].value == 0 and by_agency["J2"].number_format == "0.00%"
    assert len(by_agency._charts) == 1 and len(workbook["Theo tháng"]._charts) == 2
    assert len(workbook["Tồn đọng theo tuổi"]._charts) == 1
    late = workbook["Danh sách trễ hạn"]
    assert [c.value for c in late[1]] == [
        "Cơ quan",
        "Mã PAKN",
        "Tháng tiếp nhận",
        "Hạn trả lời",
        "Ngày trả lời",
        "Tình trạng",
        "Số ngày làm việc trễ",
    ]
    late_codes = {row[1] for row in late.iter_rows(min_row=2, values_only=True)}
    assert late_codes == {codes["late_published"], codes["late_transferred"], codes["overdue_open"]}
    text = " ".join(str(c) for ws in workbook for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    assert "Đã xử lý xong" not in text  # answers and contents never go in: published form only


def test_cli_report_monthly_xlsx(api, settings, monkeypatch, tmp_path):
    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from feedback_api import cli

    monkeypatch.setattr(cli, "_settings", lambda: settings)
    codes = _scenario(api)
    runner = CliRunner()
    target = tmp_path / "bao-cao.xlsx"
    result = runner.invoke(cli.report_app, ["monthly", "--month", "2026-09", "--xlsx", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "Đã ghi báo cáo tháng 9/2026" in result.output
    workbook = load_workbook(target)
    late = {row[1] for row in workbook["Danh sách trễ hạn"].iter_rows(min_row=2, values_only=True)}
    assert codes["overdue_open"] in late and codes["late_published"] in late
    assert workbook["Theo tháng"]["A2"].value == "09/2026"
    text = runner.invoke(cli.report_app, ["monthly", "--from", "2026-08", "--to", "2026-09"])
    assert text.exit_code == 0 and "Tỷ lệ xử lý PAKN đúng hạn" in text.output and "từ tháng 8/2026" in text.output
    for bad in (["--month", "0001-01"], ["--month", "2026-13"], ["--from", "2026-09", "--to", "2026-08"]):
        failed = runner.invoke(cli.report_app, ["monthly", *bad])
        assert failed.exit_code == 2 and "Lỗi:" in failed.output, failed.output
