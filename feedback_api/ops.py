"""Edge and operations concerns installed on the feedback app (owned by helper FB-OPS).

Middleware order, outermost first: request size limit (413) -> per-client rate limit (429) ->
Idempotency-Key (intake). Routers: attachments, Open311 GeoReport v2, admin outbox, scheduler notices.
Lifespan: the background worker (outbox delivery + reminders/escalations), unless switched off in
settings (outbox_poll_seconds / scheduler_interval_seconds <= 0).
"""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

IDEMPOTENT_PATHS = frozenset({"/api/v1/feedback", "/open311/v2/requests.json"})


def install(app: FastAPI, settings) -> None:
    """Install idempotency, rate limiting, attachments, Open311 and the background scheduler."""
    # Register the tables with the metadata (Alembic revision 0002_ops creates them).
    import feedback_api.attachments.models  # noqa: F401
    import feedback_api.edge.models  # noqa: F401
    import feedback_api.scheduler.models  # noqa: F401
    from feedback_api.attachments.views import build_router as attachments_router
    from feedback_api.db import get_sessionmaker
    from feedback_api.edge.clients import TokenVerifier
    from feedback_api.edge.idempotency import IdempotencyMiddleware
    from feedback_api.edge.ratelimit import RateLimitMiddleware
    from feedback_api.edge.size_limit import RequestSizeLimitMiddleware
    from feedback_api.open311.views import build_router as open311_router
    from feedback_api.outbox.views import build_router as outbox_router
    from feedback_api.scheduler.views import router as notices_router

    sessionmaker = getattr(app.state, "sessionmaker", None) or get_sessionmaker(settings)
    verifier = TokenVerifier(settings)

    app.include_router(attachments_router(settings, sessionmaker))
    app.include_router(open311_router(settings))
    app.include_router(outbox_router(settings))
    app.include_router(notices_router)

    # add_middleware puts each new one outermost.
    app.add_middleware(IdempotencyMiddleware, sessionmaker=sessionmaker, verifier=verifier, paths=IDEMPOTENT_PATHS)
    app.add_middleware(RateLimitMiddleware, per_minute=settings.rate_limit_per_minute, verifier=verifier)
    app.add_middleware(RequestSizeLimitMiddleware, max_bytes=settings.max_request_bytes)

    inner_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application):
        from feedback_api.scheduler.runner import BackgroundWorker

        worker = BackgroundWorker(settings, sessionmaker)
        async with inner_lifespan(application) as state:
            worker.start()
            try:
                yield state
            finally:
                await worker.close()

    app.router.lifespan_context = lifespan
