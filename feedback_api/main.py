"""The feedback (PAKN) service application: create_app(settings, directory) -> FastAPI.

Middleware order, outermost first: database outage (503) -> request size limit (413) -> per-client
rate limit (429) -> Idempotency-Key (intake). Lifespan: the background worker (outbox delivery + reminders/escalations),
unless switched off in settings (outbox_poll_seconds / scheduler_interval_seconds <= 0).
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

import httpx
from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from common.settings import Settings
from feedback_api import openapi
from feedback_api.db import get_sessionmaker, upgrade_database
from feedback_api.deps import get_session
from feedback_api.errors import DATABASE_RETRY_AFTER_SECONDS, ApiError, install_error_handlers
from knowledge_base.directory import Directory
from knowledge_base.loader import load_directory

log = logging.getLogger("feedback_api")
API_PREFIX = "/api/v1"
IDEMPOTENT_PATHS = frozenset({f"{API_PREFIX}/feedback", "/open311/v2/requests.json"})

health_router = APIRouter(tags=["health"])


@health_router.get("/healthz")
def healthz(session: Session = Depends(get_session)) -> dict:
    try:
        session.execute(text("SELECT 1"))
    except Exception:  # the database is the one dependency that matters
        log.warning("healthz: database unreachable")
        raise ApiError(
            503,
            "database_unavailable",
            "Cơ sở dữ liệu tạm thời không truy cập được.",
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        ) from None
    return {"status": "ok", "database": "ok"}


def create_app(
    settings: Settings, directory: Directory | None = None, *, migrate: bool = True, bot_mounted: bool = False
) -> FastAPI:
    """Build the app: schema upgraded (alembic head), bot operator account ensured, edge and ops installed.

    `directory` is the knowledge base's agency directory; the composition (hotline.app) passes the one it
    loaded for everything, and it is read from the settings' KB when the service runs alone.
    `bot_mounted`: the composition mounts the bot on this same app, so the outbox hands the bot its
    events through the app itself (no socket, no address to agree on); otherwise it posts them to
    settings.api_base_url.
    """
    from feedback_api.agencies.views import router as agencies_router
    from feedback_api.auth.service import ensure_bot_user
    from feedback_api.auth.views import router as auth_router
    from feedback_api.feedback.context import ServiceContext
    from feedback_api.feedback.views import ROUTERS as feedback_routers
    from feedback_api.publication.views import router as publication_router
    from feedback_api.stats.views import router as stats_router

    directory = directory if directory is not None else load_directory(settings)
    if migrate:
        upgrade_database(settings)
    sessionmaker = get_sessionmaker(settings)
    with sessionmaker() as session:
        ensure_bot_user(session, settings)

    app = openapi.DocumentedApp(
        title="Dịch vụ phản ánh, kiến nghị — tổng đài 1022",
        version="0.1.0",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
    )
    app.state.settings = settings
    app.state.sessionmaker = sessionmaker
    app.state.directory = directory
    app.state.service_context = ServiceContext(settings, directory)
    app.state.verifier = None  # set with the edge below
    install_error_handlers(app)
    for router in (health_router, auth_router, agencies_router, *feedback_routers, publication_router, stats_router):
        app.include_router(router, prefix=API_PREFIX)
    _install_edge_and_ops(app, settings, sessionmaker, bot_mounted)
    return app


def _install_edge_and_ops(app: FastAPI, settings: Settings, maker: sessionmaker, bot_mounted: bool) -> None:
    """Idempotency, rate limiting, size limit, attachments, Open311, outbox admin, notices, the worker."""
    from common.shared_state import make_shared_state
    from feedback_api.attachments.views import router as attachments_router
    from feedback_api.edge.clients import TokenVerifier
    from feedback_api.edge.idempotency import IdempotencyMiddleware, IdempotentReplay, replay_handler
    from feedback_api.edge.outage import DatabaseOutageMiddleware
    from feedback_api.edge.ratelimit import LimitRule, RateLimitMiddleware
    from feedback_api.edge.redirects import RelativeRedirectMiddleware
    from feedback_api.edge.size_limit import RequestSizeLimitMiddleware
    from feedback_api.open311.views import router as open311_router
    from feedback_api.outbox.views import router as outbox_router
    from feedback_api.scheduler.views import router as notices_router

    verifier = app.state.verifier = TokenVerifier(settings, maker)
    shared = app.state.shared_state = make_shared_state(settings)
    limit_rules = (LimitRule("stats", f"{API_PREFIX}/stats", settings.stats_rate_limit_per_minute),)
    app.include_router(attachments_router, prefix=API_PREFIX)
    app.include_router(open311_router)
    app.include_router(outbox_router, prefix=API_PREFIX)
    app.include_router(notices_router, prefix=API_PREFIX)

    app.exception_handler(IdempotentReplay)(replay_handler)
    # add_middleware puts each new one outermost.
    app.add_middleware(IdempotencyMiddleware, sessionmaker=maker, verifier=verifier, paths=IDEMPOTENT_PATHS)
    app.add_middleware(
        RateLimitMiddleware,
        per_minute=settings.rate_limit_per_minute,
        verifier=verifier,
        buckets=shared.buckets,
        rules=limit_rules,
    )
    app.add_middleware(RequestSizeLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(RelativeRedirectMiddleware)
    app.add_middleware(DatabaseOutageMiddleware)

    inner_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application):
        from feedback_api.scheduler.runner import BackgroundWorker

        # An app exception is a 500 for the outbox (retried later), as over HTTP.
        bot_transport = httpx.ASGITransport(app=application, raise_app_exceptions=False) if bot_mounted else None
        worker = BackgroundWorker(settings, maker, bot_transport=bot_transport)
        async with inner_lifespan(application) as state:
            worker.start()
            try:
                yield state
            finally:
                await worker.close()

    app.router.lifespan_context = lifespan
