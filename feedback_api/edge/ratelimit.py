"""Per-client rate limit on the public endpoints: 429 + Retry-After + a Vietnamese message.

Uses the `limits` library (moving window). Its memory:// storage is per process, which is right for the
embedded single-process default; with several workers or hosts set settings.rate_limit_storage_uri to a
shared store (redis://...). Requests carrying a valid staff/bot token are not limited: the bot posts on
behalf of many citizens from one address, and staff endpoints are authenticated anyway.
"""
from __future__ import annotations

import math
import time

from limits import parse, storage, strategies
from starlette.types import ASGIApp, Receive, Scope, Send

from feedback_api.edge.clients import TokenVerifier, bearer_token, client_ip
from feedback_api.edge.responses import send_error

LIMITED_PREFIXES = ("/api/v1/", "/open311/")
EXEMPT_PATHS = frozenset({"/api/v1/healthz", "/healthz"})
TOO_MANY = "Bạn gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng thử lại sau {seconds} giây."


def is_limited_path(path: str) -> bool:
    return path.startswith(LIMITED_PREFIXES) and path not in EXEMPT_PATHS


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, per_minute: int, storage_uri: str, verifier: TokenVerifier) -> None:
        self.app = app
        self.item = parse(f"{per_minute}/minute") if per_minute > 0 else None
        self.limiter = strategies.MovingWindowRateLimiter(storage.storage_from_string(storage_uri))
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.item is None
            or scope["type"] != "http"
            or scope.get("method") == "OPTIONS"
            or not is_limited_path(scope.get("path", ""))
            or self.verifier.subject(bearer_token(scope))
        ):
            await self.app(scope, receive, send)
            return
        key = client_ip(scope)
        if self.limiter.hit(self.item, "hotline", key):
            await self.app(scope, receive, send)
            return
        stats = self.limiter.get_window_stats(self.item, "hotline", key)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        await send_error(
            scope, receive, send, 429, TOO_MANY.format(seconds=retry_after), "rate_limited",
            headers={"Retry-After": str(retry_after)},
        )
