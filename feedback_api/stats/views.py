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


@router.get("/stats")
def stats(
    session: Session = Depends(get_session),
    settings=Depends(get_app_settings),
    directory=Depends(get_directory),
    month: str | None = Query(None, pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$"),
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
