"""GET /stats: public figures (no personal data): per agency × month, late list, CSV export."""
from __future__ import annotations

import json
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response

from feedback_api.agencies.service import get_directory
from feedback_api.deps import get_app_settings
from feedback_api.stats import service
from feedback_api.stats.cache import TTLCache

router = APIRouter(tags=["stats"])


def _caches(request: Request, settings) -> tuple[TTLCache, TTLCache]:
    """(figures per month, rendered answers per query) of this app."""
    caches = getattr(request.app.state, "stats_caches", None)
    if caches is None:
        ttl = settings.stats_cache_seconds
        caches = request.app.state.stats_caches = (TTLCache(ttl), TTLCache(ttl))
    return caches


@router.get("/stats")
async def stats(
    request: Request,
    settings=Depends(get_app_settings),
    directory=Depends(get_directory),
    month: str | None = Query(None, pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$"),
    agency: str | None = Query(None, max_length=64),
    format: Literal["json", "csv"] = "json",
    table: Literal["rows", "late"] = "rows",
):
    # Computing the figures (the whole audit log) and rendering the answer (thousands of late items) both
    # happen in a worker thread, once per key per settings.stats_cache_seconds: figures per month, the
    # rendered body per query. Concurrent callers of a key await the one computation, holding no thread.
    figures_cache, answers_cache = _caches(request, settings)
    maker = request.app.state.sessionmaker

    def figures():
        with maker() as session:
            return service.month_figures(session, settings, month)

    def render() -> bytes:
        report = service.monthly_report(None, settings, directory, month=month, agency=agency,
                                        figures=figures_cache.get(month, figures))
        if format == "csv":
            return service.to_csv(report, table).encode("utf-8")
        return json.dumps(jsonable_encoder(report), ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    body = await answers_cache.aget((month, agency, format, table), render)
    if format == "csv":
        name = f"pakn-{table}-{month or 'all'}.csv"
        return Response(body, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return Response(body, media_type="application/json")
