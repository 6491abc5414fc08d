"""GET /stats: public figures (no personal data): per agency × month, trend, backlog, late list; CSV, XLSX."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from feedback_api.agencies.service import get_directory
from feedback_api.deps import get_app_settings, get_session
from feedback_api.errors import ApiError
from feedback_api.stats import service, xlsx

router = APIRouter(tags=["stats"])

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/stats", responses={200: {
    "description": "Số liệu theo cơ quan × tháng (JSON), hoặc bảng CSV khi format=csv",
    "content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}},
}})
def stats(
    session: Session = Depends(get_session),
    settings=Depends(get_app_settings),
    directory=Depends(get_directory),
    month: str | None = Query(None, max_length=64, description="Một tháng tiếp nhận, YYYY-MM"),
    month_from: str | None = Query(None, alias="from", max_length=64, description="Từ tháng (YYYY-MM)"),
    month_to: str | None = Query(None, alias="to", max_length=64, description="Đến tháng (YYYY-MM)"),
    agency: str | None = Query(None, max_length=64),
    format: Literal["json", "csv", "xlsx"] = "json",
    table: Literal["rows", "late", "backlog"] = "rows",
):
    try:
        report = service.monthly_report(session, settings, directory, month=month, month_from=month_from,
                                        month_to=month_to, agency=agency)
    except service.MonthError as exc:
        raise ApiError(422, "invalid_month", str(exc)) from None
    if format == "xlsx":
        name = xlsx.filename(report)
        return Response(xlsx.to_xlsx(report), media_type=XLSX_TYPE,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    if format == "csv":
        span = report["month"] or (f"{report['from'] or 'dau'}_{report['to'] or 'nay'}"
                                   if report["from"] or report["to"] else "all")
        name = f"pakn-{table}-{span}.csv"
        return Response(service.to_csv(report, table).encode("utf-8"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return report
