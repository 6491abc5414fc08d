"""The feedback (PAKN) service application: create_app(settings) -> FastAPI."""
from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.orm import Session

from feedback_api.db import get_sessionmaker, import_models, upgrade_database
from feedback_api.deps import get_session
from feedback_api.errors import ApiError, install_error_handlers

log = logging.getLogger("feedback_api")
API_PREFIX = "/api/v1"

health_router = APIRouter(tags=["health"])


@health_router.get("/healthz")
def healthz(session: Session = Depends(get_session)) -> dict:
    try:
        session.execute(text("SELECT 1"))
    except Exception:  # the database is the one dependency that matters
        log.warning("healthz: database unreachable")
        raise ApiError(503, "database_unavailable", "Cơ sở dữ liệu tạm thời không truy cập được.") from None
    return {"status": "ok", "database": "ok"}


def create_app(settings=None, *, migrate: bool = True, install_ops: bool = True) -> FastAPI:
    """Build the app: schema upgraded (alembic head), bot operator account ensured, FB-OPS hooks installed."""
    from feedback_api.agencies.views import router as agencies_router
    from feedback_api.auth.service import ensure_bot_user
    from feedback_api.auth.views import router as auth_router
    from feedback_api.feedback.service import ServiceContext
    from feedback_api.feedback.views import router as feedback_router
    from feedback_api.publication.views import router as publication_router
    from feedback_api.stats.views import router as stats_router

    if settings is None:
        from common.settings import get_settings

        settings = get_settings()
    import_models()
    if migrate:
        upgrade_database(settings)
    sessionmaker = get_sessionmaker(settings)
    with sessionmaker() as session:
        ensure_bot_user(session, settings)

    app = FastAPI(
        title="Dịch vụ phản ánh, kiến nghị — tổng đài 1022",
        version="0.1.0",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
    )
    app.state.settings = settings
    app.state.sessionmaker = sessionmaker
    app.state.service_context = ServiceContext(settings)
    install_error_handlers(app)
    for router in (health_router, auth_router, agencies_router, feedback_router, publication_router, stats_router):
        app.include_router(router, prefix=API_PREFIX)
    if install_ops:
        from feedback_api import ops

        ops.install(app, settings)
    return app
