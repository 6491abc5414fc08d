"""GET /stats: public figures (no personal data): per agency × month, late list, CSV export."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from feedback_api.agencies.service import get_directory
from feedback_api.deps import get_app_settings, get_session
from feedback_api.stats import service

router = APIRouter(tags=["stats"])


@router.get("/stats", responses={200: {
    "description": "Số liệu theo cơ quan × tháng (JSON), hoặc bảng CSV khi format=csv",
    "content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}},
}})
def stats(
    session: Session = Depends(get_session),
    settings=Depends(get_app_settings),
    directory=Depends(get_directory),
    month: str | None = Query(None, pattern=service.MONTH_PATTERN,
                              description=f"YYYY-MM, năm {service.FIRST_YEAR}–{service.LAST_YEAR}"),
    agency: str | None = Query(None, max_length=64),
    format: Literal["json", "csv"] = "json",
    table: Literal["rows", "late"] = "rows",
):
    report = service.monthly_report(session, settings, directory, month=month, agency=agency)
    if format == "csv":
        name = f"pakn-{table}-{month or 'all'}.csv"
        return Response(service.to_csv(report, table), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return report
