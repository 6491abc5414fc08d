"""Figures: the endpoint agrees with an independent recomputation from the raw audit rows."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import text

from common.db import get_engine
from feedback_api.feedback.lifecycle import Action, Status

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
    run(codes["late_transferred"], assign_stp, (Action.transfer, {"agency": "SXD", "reason": "Thuộc lĩnh vực xây dựng"}),
        (Action.start, {}), answer)
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
        rows = connection.execute(text(
            "SELECT feedback_code, at, action, from_status, to_status, agency_code, due_at FROM audit_event ORDER BY id"
        )).all()
    per_item: dict[str, list] = {}
    for row in rows:
        per_item.setdefault(row.feedback_code, []).append(row)

    def aware(value):
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)

    result: dict[tuple[str, str], dict] = {}
    for events in per_item.values():
        receipt = next(e for e in events if e.from_status is None)
        month = aware(receipt.at).astimezone(TZ).strftime("%Y-%m")
        last = events[-1]
        key = (last.agency_code, month)
        counts = result.setdefault(key, dict(received=0, handled=0, handled_on_time=0, overdue_open=0, published=0))
        counts["received"] += 1
        answered = next((e for e in events if e.action == "answer"), None)
        if answered is not None:
            counts["handled"] += 1
            counts["handled_on_time"] += aware(answered.at) <= aware(answered.due_at)
            counts["published"] += any(e.action == "publish" for e in events)
        elif last.to_status in OPEN and aware(last.due_at) < now:
            counts["overdue_open"] += 1
    for counts in result.values():
        counts["on_time_rate"] = counts["handled_on_time"] / counts["handled"] if counts["handled"] else None
    return result


def test_stats_match_independent_recomputation(api, database_url):
    codes = _scenario(api)
    response = api.client.get("/api/v1/stats")
    assert response.status_code == 200
    report = response.json()
    assert "handled_on_time / handled" in report["definitions"]["on_time_rate"]
    now = datetime.fromisoformat(report["computed_at"])
    expected = _independent(database_url, now)
    got = {
        (r["agency_code"], r["month"]): {k: r[k] for k in ("received", "handled", "handled_on_time", "overdue_open",
                                                            "published", "on_time_rate")}
        for r in report["rows"]
    }
    assert got == expected

    # And the scenario's own facts, stated by hand.
    this_month = now.astimezone(TZ).strftime("%Y-%m")
    stp_sept = got[("STP", "2026-09")]
    assert stp_sept == {"received": 2, "handled": 1, "handled_on_time": 0, "overdue_open": 1, "published": 1,
                        "on_time_rate": 0.0}
    assert got[("SXD", "2026-09")]["handled"] == 1 and got[("SXD", "2026-09")]["handled_on_time"] == 0
    assert got[("STP", this_month)]["handled_on_time"] == 2 and got[("STP", this_month)]["on_time_rate"] == 1.0
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
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["agency_code"], int(r["received"]), int(r["handled_on_time"])) for r in table] == [
        (r["agency_code"], r["received"], r["handled_on_time"]) for r in september["rows"]]
    late_csv = list(csv.DictReader(io.StringIO(
        api.client.get("/api/v1/stats", params={"month": "2026-09", "format": "csv", "table": "late"}).text)))
    assert sorted(r["feedback_code"] for r in late_csv) == sorted(
        i["feedback_code"] for g in september["late"] for i in g["items"])
    assert all(int(r["days_late"]) >= 1 for r in late_csv)

    bad = api.client.get("/api/v1/stats", params={"month": "2026-13"})
    assert bad.status_code == 422 and "month" in bad.json()["detail"]


def test_stats_expose_no_personal_data(api):
    api.submit(contact={"name": "Phạm Thị Lan", "phone": "0987654321"})
    body = api.client.get("/api/v1/stats").text
    assert "Lan" not in body and "0987654321" not in body
