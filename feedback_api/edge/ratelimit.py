"""Per-client rate limit on the public endpoints: 429 + Retry-After + a Vietnamese message.

A token bucket per client address, in memory: settings.rate_limit_per_minute is both the burst and the
per-minute refill. Not the `limits` library: its in-memory storage starts a timer thread for expiry on
nearly every hit (measured ≈5 ms of wall time per request under load here) and its moving window keeps
one entry per allowed request; a bucket is two floats and runs only on the event-loop thread, so it
needs no lock. The state is per process: with several workers or hosts each enforces the limit on its
own, so rate-limit at the reverse proxy too (e.g. nginx limit_req) when scaling out.

Requests carrying a valid staff/bot token are not limited: the bot posts on behalf of many citizens
from one address, and staff endpoints are authenticated anyway.
"""
from __future__ import annotations

import math
import time
from typing import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from feedback_api.edge.clients import TokenVerifier, bearer_token, client_ip
from feedback_api.edge.responses import send_error

LIMITED_PREFIXES = ("/api/v1/", "/open311/")
EXEMPT_PATHS = frozenset({"/api/v1/healthz", "/healthz"})
TOO_MANY = "Bạn gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng thử lại sau {seconds} giây."
PRUNE_ABOVE = 10_000  # buckets kept before idle (full) ones are dropped


def is_limited_path(path: str) -> bool:
    return path.startswith(LIMITED_PREFIXES) and path not in EXEMPT_PATHS


class TokenBuckets:
    """capacity tokens per key, refilled at `per_second`; take() -> 0 when allowed, else seconds to wait."""

    def __init__(self, capacity: float, per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = capacity
        self.per_second = per_second
        self.clock = clock
        self.buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, updated_at)

    def take(self, key: str) -> float:
        now = self.clock()
        tokens, updated = self.buckets.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - updated) * self.per_second)
        if tokens >= 1:
            self.buckets[key] = (tokens - 1, now)
            if len(self.buckets) > PRUNE_ABOVE:
                self._prune(now)
            return 0.0
        self.buckets[key] = (tokens, now)
        return (1 - tokens) / self.per_second

    def _prune(self, now: float) -> None:
        refill_all = self.capacity / self.per_second
        for key, (_, updated) in list(self.buckets.items()):
            if now - updated >= refill_all:  # would be full again: same as no entry
                del self.buckets[key]


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, per_minute: int, verifier: TokenVerifier) -> None:
        self.app = app
        self.buckets = TokenBuckets(per_minute, per_minute / 60) if per_minute > 0 else None
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.buckets is None
            or scope["type"] != "http"
            or scope.get("method") == "OPTIONS"
            or not is_limited_path(scope.get("path", ""))
            or ((token := bearer_token(scope)) and self.verifier.subject(token))
        ):
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(client_ip(scope))
        if wait == 0:
            await self.app(scope, receive, send)
            return
        retry_after = max(1, math.ceil(wait))
        await send_error(
            scope, receive, send, 429, TOO_MANY.format(seconds=retry_after), "rate_limited",
            headers={"Retry-After": str(retry_after)},
        )
