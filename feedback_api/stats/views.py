"""GET /stats: public figures (no personal data): per agency × month, late list, CSV export."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from feedback_api.agencies.service import get_directory
from feedback_api.deps import get_app_settings, get_session
from feedback_api.stats import service
from feedback_api.stats.cache import TTLCache

router = APIRouter(tags=["stats"])


def _cache_of(request: Request, settings) -> TTLCache:
    cache = getattr(request.app.state, "stats_cache", None)
    if cache is None:
        cache = request.app.state.stats_cache = TTLCache(settings.stats_cache_seconds)
    return cache


@router.get("/stats")
def stats(
    request: Request,
    session: Session = Depends(get_session),
    settings=Depends(get_app_settings),
    directory=Depends(get_directory),
    month: str | None = Query(None, pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$"),
    agency: str | None = Query(None, max_length=64),
    format: Literal["json", "csv"] = "json",
    table: Literal["rows", "late"] = "rows",
):
    # Figures per month key come from a short cache (feedback_api.stats.cache); agency filters them.
    cache = _cache_of(request, settings)
    figures = cache.get(month, lambda: service.month_figures(session, settings, month))
    report = service.monthly_report(session, settings, directory, month=month, agency=agency, figures=figures)
    if format == "csv":
        name = f"pakn-{table}-{month or 'all'}.csv"
        return Response(service.to_csv(report, table), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return report
