"""GET /stats: public figures (no personal data): per agency × month, trend, backlog, late list; CSV, XLSX.

Public and costly (the whole audit log): the audit rows and each rendered answer are computed in a worker
thread at most once per settings.stats_cache_seconds; concurrent callers of a key await the one computation,
holding no thread. `computed_at` in the answer says how fresh the figures are.
"""

from __future__ import annotations

import json
from typing import Literal

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from sqlalchemy.orm import Session, sessionmaker

from common.settings import Settings
from feedback_api.deps import get_app_settings, get_directory, get_sessionmaker, get_stats_caches
from feedback_api.errors import ApiError
from feedback_api.stats import service, xlsx
from feedback_api.stats.cache import TTLCache
from knowledge_base.directory import Directory

router = APIRouter(tags=["stats"])

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8", "xlsx": XLSX_TYPE}


@router.get(
    "/stats",
    responses={
        200: {
            "description": "Số liệu theo cơ quan × tháng (JSON), hoặc bảng CSV / sổ Excel khi format=csv|xlsx",
            "content": {
                "application/json": {},
                "text/csv": {"schema": {"type": "string"}},
                XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def stats(
    settings: Settings = Depends(get_app_settings),
    directory: Directory = Depends(get_directory),
    caches: tuple[TTLCache, TTLCache] = Depends(get_stats_caches),
    maker: sessionmaker[Session] = Depends(get_sessionmaker),
    month: str | None = Query(None, max_length=64, description="Một tháng tiếp nhận, YYYY-MM"),
    month_from: str | None = Query(None, alias="from", max_length=64, description="Từ tháng (YYYY-MM)"),
    month_to: str | None = Query(None, alias="to", max_length=64, description="Đến tháng (YYYY-MM)"),
    agency: str | None = Query(None, max_length=64),
    format: Literal["json", "csv", "xlsx"] = "json",
    table: Literal["rows", "late", "backlog"] = "rows",
):
    try:
        service.month_range(month, month_from, month_to)
    except service.MonthError as exc:
        raise ApiError(422, "invalid_month", str(exc)) from None
    events_cache, answers_cache = caches

    def events() -> list:
        with maker() as session:
            return service.audit_events(session)

    def render() -> tuple[bytes, str]:
        report = service.monthly_report(
            None,
            settings,
            directory,
            month=month,
            month_from=month_from,
            month_to=month_to,
            agency=agency,
            events=events_cache.get("all", events),
        )
        if format == "xlsx":
            return xlsx.to_xlsx(report), xlsx.filename(report)
        if format == "csv":
            span = report["month"] or (
                f"{report['from'] or 'dau'}_{report['to'] or 'nay'}" if report["from"] or report["to"] else "all"
            )
            return service.to_csv(report, table).encode("utf-8"), f"pakn-{table}-{span}.csv"
        return json.dumps(jsonable_encoder(report), ensure_ascii=False, separators=(",", ":")).encode("utf-8"), ""

    body, name = await answers_cache.aget((month, month_from, month_to, agency, format, table), render)
    headers = {"Content-Disposition": f'attachment; filename="{name}"'} if name else None
    return Response(body, media_type=MEDIA_TYPES[format], headers=headers)
