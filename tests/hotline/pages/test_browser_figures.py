"""The supervisor's figures in a real headless Chromium (Playwright driving the system browser).

Charts must render with the agencies worst first, the month range must drive them, the Excel
download must arrive and open with openpyxl, and the public /tre-han page must show its charts.
Skipped (with a message) when Chromium or the playwright package is missing; no browser is downloaded.
Screenshots at desktop and phone width go to $FIGURES_SCREENSHOTS (default: the test's tmp dir).
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PASSWORD = "password-for-tests"


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: browser tests skipped")
    executable = _chromium()
    if executable is None:
        pytest.skip("Chromium is not installed: browser tests skipped")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]
        )
        yield launched
        launched.close()


def _months_ago(n: int) -> str:
    now = datetime.now(TZ)
    year, month = now.year, now.month - n
    while month < 1:
        year, month = year - 1, month + 12
    return f"{year:04d}-{month:02d}"


@pytest.fixture(scope="module")
def figures_data(web, pages_settings):
    """Three agencies with different records, logged two and three months ago (all now past due)."""
    from feedback_api.auth.service import create_user
    from feedback_api.db import get_sessionmaker

    with get_sessionmaker(pages_settings)() as session:
        create_user(session, "fig_supervisor", PASSWORD, "supervisor", None)
        create_user(session, "fig_operator", PASSWORD, "operator", None)

    def token(user):
        response = web.post("/api/v1/auth/token", data={"username": user, "password": PASSWORD})
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    supervisor, operator = token("fig_supervisor"), token("fig_operator")

    def item(agency: str, month: str | None, day: int, outcome: str) -> str:
        body = {
            "kind": "complaint",
            "channel": "phone",
            "content": f"Phản ánh thử nghiệm số liệu cho {agency}.",
            "publish_consent": True,
        }
        if month:  # logged by hand with its past receipt time; None: received now
            body["received_at"] = f"{month}-{day:02d}T09:00:00+07:00"
        created = web.post("/api/v1/feedback", headers=operator, json=body)
        assert created.status_code == 201, created.text
        code = created.json()["code"]
        steps = [("assign", {"agency": agency})]
        if outcome in ("answered", "published"):
            steps.append(("answer", {"answer": "Đã tiếp nhận và xử lý xong nội dung phản ánh."}))
        if outcome == "published":
            steps.append(("publish", {}))
        for action, body in steps:
            response = web.post(f"/api/v1/feedback/{code}/{action}", json=body, headers=supervisor)
            assert response.status_code == 200, (action, response.text)
        return code

    # Answers given now, months after receipt, are late; items never answered are overdue.
    old, older = _months_ago(2), _months_ago(3)
    plan = {
        "STP": [(older, 3, "open"), (old, 2, "open"), (old, 5, "answered")],  # worst: 0 %, 2 overdue
        "SXD": [(older, 4, "open"), (old, 6, "published")],  # 0 % too, 1 overdue
        "STC": [(old, 9, "published"), (None, 0, "published")],  # 1 late + 1 on time: 50 %
        "SNV": [(None, 0, "published"), (None, 0, "open")],  # on time + open in time: 100 %
    }
    codes = {agency: [item(agency, m, d, o) for m, d, o in steps] for agency, steps in plan.items()}
    return {"codes": codes, "from": older, "to": _months_ago(0)}


def _shots_dir(tmp_path_factory) -> Path:
    target = os.environ.get("FIGURES_SCREENSHOTS")
    path = Path(target) if target else tmp_path_factory.mktemp("figures-shots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _login(page, base: str) -> None:
    page.goto(f"{base}/can-bo")
    page.fill("#username", "fig_supervisor")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#console:not([hidden])")


def _open_figures(page, base: str, data) -> None:
    _login(page, base)
    page.click("#tab-stats")
    page.wait_for_selector("#stats-view:not([hidden])")
    page.fill("#s-from", data["from"])
    page.fill("#s-to", data["to"])
    page.click("#stats-form button[type=submit]")
    # The tab first shows the default range; wait for the one asked for.
    first = data["from"]
    page.wait_for_selector(f"caption:has-text('từ tháng {int(first[5:])}/{first[:4]}')")
    page.wait_for_function(
        "() => { const c = document.getElementById('chart-agencies'); return c && window.Chart && Chart.getChart(c); }"
    )


def test_supervisor_charts_worst_first(browser, live_server, figures_data, web, tmp_path_factory):
    expected = web.get("/api/v1/stats", params={"from": figures_data["from"], "to": figures_data["to"]}).json()
    ranked = [a for a in expected["agencies"] if a["on_time_rate"] is not None]
    assert [a["agency_code"] for a in ranked] == ["STP", "SXD", "STC", "SNV"]  # the data really ranks that way
    assert [a["on_time_rate"] for a in ranked] == [0, 0, 0.5, 1]

    shots = _shots_dir(tmp_path_factory)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    _open_figures(page, live_server, figures_data)

    chart = page.evaluate("""() => {
        const c = Chart.getChart(document.getElementById('chart-agencies'));
        return {labels: c.data.labels, data: c.data.datasets[0].data, codes: c.data.datasets[0].agencyCodes,
                axis: c.options.indexAxis, drawn: c.chartArea.width > 0};
    }""")
    assert chart["drawn"] and chart["axis"] == "y"
    assert chart["codes"] == [a["agency_code"] for a in ranked][: len(chart["codes"])]
    assert chart["data"] == sorted(chart["data"])  # worst first
    assert chart["labels"][0].startswith(ranked[0]["agency_name"][:20])
    # The table under the charts follows the same order.
    rows = page.eval_on_selector_all("#agency-rows tr", "rows => rows.map(r => r.dataset.agency)")
    assert rows == [a["agency_code"] or "" for a in expected["agencies"]]
    # Trend: one point per month of the range; backlog by age: the four age groups, all items counted.
    trend = page.evaluate("() => Chart.getChart(document.getElementById('chart-trend')).data")
    assert len(trend["labels"]) == 4 and len(trend["datasets"]) == 3
    backlog = page.evaluate("() => Chart.getChart(document.getElementById('chart-backlog')).data.datasets[0].data")
    assert sum(backlog) == expected["backlog"]["total"] >= 3
    headline = page.inner_text(".figure-main .figure")
    assert headline.endswith("%")
    page.screenshot(path=str(shots / "can-bo-desktop.png"), full_page=True)

    # At phone width (a phone loads the page at that width: load the figures again) the names wrap.
    page.set_viewport_size({"width": 390, "height": 844})
    page.click("#stats-form button[type=submit]")
    page.wait_for_function(
        "() => { const c = Chart.getChart(document.getElementById('chart-agencies'));"
        " return c && Array.isArray(c.data.labels[0]); }"
    )
    phone_labels = page.evaluate("() => Chart.getChart(document.getElementById('chart-agencies')).data.labels")
    assert all(len(line) <= 22 for label in phone_labels for line in label[:-1]), phone_labels
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at phone width ({width}px)"
    page.screenshot(path=str(shots / "can-bo-phone.png"), full_page=True)
    page.locator(".figures").screenshot(path=str(shots / "can-bo-phone-figures.png"))
    page.locator(".charts").screenshot(path=str(shots / "can-bo-phone-charts.png"))
    page.locator("#agency-rows").screenshot(path=str(shots / "can-bo-phone-table.png"))
    assert errors == [], errors
    context.close()


def test_xlsx_download_from_supervisor_page(browser, live_server, figures_data, tmp_path):
    from openpyxl import load_workbook

    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    _open_figures(page, live_server, figures_data)
    with page.expect_download() as info:
        page.click("#xlsx-report")
    download = info.value
    assert download.suggested_filename == f"bao-cao-pakn-{figures_data['from']}_{figures_data['to']}.xlsx"
    target = tmp_path / download.suggested_filename
    download.save_as(str(target))
    page.wait_for_selector("#stats-status:has-text('Đã tải tệp')")
    context.close()

    workbook = load_workbook(target)
    assert workbook.sheetnames == [
        "Tổng quan",
        "Theo cơ quan",
        "Theo tháng",
        "Tồn đọng theo tuổi",
        "Danh sách trễ hạn",
        "Tồn đọng quá hạn",
    ]
    by_agency = workbook["Theo cơ quan"]
    header = [c.value for c in by_agency[1]]
    assert header[:3] == ["Cơ quan", "Mã cơ quan", "Phải xử lý"] and "Tỷ lệ xử lý đúng hạn" in header
    codes = [row[1] for row in by_agency.iter_rows(min_row=2, values_only=True) if row[1]]
    assert codes == ["STP", "SXD", "STC", "SNV"]
    stp = next(row for row in by_agency.iter_rows(min_row=2, values_only=True) if row[1] == "STP")
    assert stp[2:4] == (3, 1) and stp[9] == 0  # 3 to handle, 1 answered (late), 0 % on time
    assert len(by_agency._charts) == 1
    months = workbook["Theo tháng"]
    assert [row[0] for row in months.iter_rows(min_row=2, values_only=True)] == [
        f"{m[5:]}/{m[:4]}" for m in (figures_data["from"], _months_ago(2), _months_ago(1), figures_data["to"])
    ]
    assert len(months._charts) == 2
    backlog = workbook["Tồn đọng quá hạn"]
    backlog_codes = {row[1] for row in backlog.iter_rows(min_row=2, values_only=True)}
    assert set(figures_data["codes"]["STP"][:2]) | {figures_data["codes"]["SXD"][0]} <= backlog_codes
    overview = {row[0]: row[1] for row in workbook["Tổng quan"].iter_rows(min_row=4, max_row=16, values_only=True)}
    assert overview["Tỷ lệ xử lý PAKN đúng hạn"] == pytest.approx(3 / 9) and overview["Phải xử lý"] == 9


def test_public_late_page_charts(browser, live_server, figures_data, tmp_path_factory):
    shots = _shots_dir(tmp_path_factory)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{live_server}/tre-han?tu={figures_data['from']}&den={figures_data['to']}")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.wait_for_function(
        "() => { const c = document.getElementById('chart-agencies'); return c && window.Chart && Chart.getChart(c); }"
    )
    codes = page.evaluate(
        "() => Chart.getChart(document.getElementById('chart-agencies')).data.datasets[0].agencyCodes"
    )
    assert codes == ["STP", "SXD", "STC", "SNV"]
    assert page.get_attribute("#xlsx-report", "href").startswith("/api/v1/stats?format=xlsx")
    assert "Tỷ lệ xử lý PAKN đúng hạn" in page.inner_text("#stats")
    page.screenshot(path=str(shots / "tre-han-desktop.png"), full_page=True)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN", is_mobile=True)
    page = phone.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/tre-han?tu={figures_data['from']}&den={figures_data['to']}")
    page.wait_for_function(
        "() => { const c = document.getElementById('chart-agencies'); return c && window.Chart && Chart.getChart(c); }"
    )
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(shots / "tre-han-phone.png"), full_page=True)
    page.locator(".charts").screenshot(path=str(shots / "tre-han-phone-charts.png"))
    phone.close()
    assert errors == [], errors
    context.close()
