"""Per-client rate limit on the public endpoints: 429 + Retry-After + a Vietnamese message.

Token buckets (capacity = the per-minute limit, refilled continuously) keyed by client address, held in
the shared state (common.shared_state): in process for the embedded default, in PostgreSQL or Redis when
several processes or hosts serve together, so the limit is the same whichever process a request hits.
Not the `limits` library: its in-memory storage starts a timer thread for expiry on nearly every hit
(measured ≈5 ms of wall time per request under load here).

Some paths have their own, tighter bucket (LimitRule): /stats recomputes figures from the audit log.
Requests carrying a valid token of an active staff/bot account are not limited (the bot posts on behalf
of many citizens from one address); the token is verified — signature, expiry, account active — before
it exempts anything.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from common.db import is_database_unavailable
from common.shared_state import Buckets, MemoryBuckets
from feedback_api.edge.clients import TokenVerifier, bearer_token
from feedback_api.edge.responses import send_error

log = logging.getLogger("feedback_api")
LIMITED_PREFIXES = ("/api/v1/", "/open311/")
EXEMPT_PATHS = frozenset({"/api/v1/healthz", "/healthz"})
TOO_MANY = "Bạn gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng thử lại sau {seconds} giây."


def is_limited_path(path: str) -> bool:
    return path.startswith(LIMITED_PREFIXES) and path not in EXEMPT_PATHS


@dataclass(frozen=True)
class LimitRule:
    """A bucket of its own for paths starting with `prefix`, taken in addition to the general one."""

    name: str
    prefix: str
    per_minute: int


def rules_for(path: str, rules: tuple[LimitRule, ...]) -> list[LimitRule]:
    return [r for r in rules if r.per_minute > 0 and (path == r.prefix or path.startswith(r.prefix + "/"))]


class TokenBuckets:
    """A fixed-size in-memory bucket set (kept for callers that want one synchronous limiter)."""

    def __init__(self, capacity: float, per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = capacity
        self.per_second = per_second
        self.memory = MemoryBuckets(clock)

    def take(self, key: str) -> float:
        return self.memory.take_now(key, self.capacity, self.per_second)


class RateLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        per_minute: int,
        verifier: TokenVerifier,
        buckets: Buckets | None = None,
        rules: tuple[LimitRule, ...] = (),
    ) -> None:
        self.app = app
        self.per_minute = per_minute
        self.buckets = buckets or MemoryBuckets()
        self.verifier = verifier
        self.rules = rules
        self._warned_at = -1e9

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if (
            scope["type"] != "http"
            or scope.get("method") == "OPTIONS"
            or not is_limited_path(path)
            or ((token := bearer_token(scope)) and await self.verifier.active_subject(token))
        ):
            await self.app(scope, receive, send)
            return
        client = self.verifier.client_ip(scope)
        wait = 0.0
        try:
            if self.per_minute > 0:
                wait = await self.buckets.take(f"all:{client}", self.per_minute, self.per_minute / 60)
            for rule in rules_for(path, self.rules):
                if wait:
                    break
                wait = await self.buckets.take(f"{rule.name}:{client}", rule.per_minute, rule.per_minute / 60)
        except Exception as exc:  # shared state unreachable: serve (the database limits load anyway)
            now = time.monotonic()
            # A database outage is reported once per request by the 503 it causes; anything else once a minute.
            if not is_database_unavailable(exc) and now - self._warned_at > 60:
                self._warned_at = now
                log.warning("rate limit state unavailable (%s); not limiting", type(exc).__name__)
            wait = 0.0
        if wait == 0:
            await self.app(scope, receive, send)
            return
        retry_after = max(1, math.ceil(wait))
        await send_error(
            scope,
            receive,
            send,
            429,
            TOO_MANY.format(seconds=retry_after),
            "rate_limited",
            headers={"Retry-After": str(retry_after)},
        )
