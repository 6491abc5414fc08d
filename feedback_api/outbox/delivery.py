"""Outbox delivery: POST each due row to its target, signed; retry with exponential backoff + jitter;
dead-letter after settings.outbox_max_attempts (kept, visible to admins). At-least-once.

A row is claimed by bumping `attempts` and pushing `next_attempt_at` out by a lease, in a short
transaction (FOR UPDATE SKIP LOCKED on PostgreSQL so several workers share the work; SQLite serialises
writers with BEGIN IMMEDIATE). The HTTP call runs outside any transaction. A worker that dies after the
claim leaves the row to be retried when the lease runs out; a receiver may therefore see an event id
twice, which the contract allows.

States: pending (delivered_at NULL, attempts < max), delivered (delivered_at set),
dead (delivered_at NULL, attempts >= max).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from common.signing import SIGNATURE_HEADER, sign
from feedback_api.orm import utcnow
from feedback_api.outbox.models import OutboxEvent

log = logging.getLogger(__name__)

EVENT_ID_HEADER = "X-Hotline-Event-Id"
LEASE = timedelta(seconds=60)
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
BATCH = 50


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    secret: str


@dataclass(frozen=True)
class Claim:
    id: uuid.UUID
    target: str
    payload: dict
    attempts: int
    created_at: datetime | None = None

    @property
    def order_key(self) -> tuple:
        """Oldest first; events written in one transaction share created_at, so lifecycle order breaks ties."""
        return (
            self.created_at or datetime.min.replace(tzinfo=UTC),
            EVENT_ORDER.get(self.payload.get("event", ""), len(EVENT_ORDER)),
        )

    @property
    def stream(self) -> tuple[str, str | None]:
        """Events of one item to one target are sent one after another, in order."""
        return (self.target, (self.payload.get("feedback") or {}).get("code"))


EVENT_ORDER = {
    name: rank
    for rank, name in enumerate(
        (
            "feedback.created",
            "feedback.assigned",
            "feedback.status_changed",
            "feedback.answered",
            "feedback.published",
            "feedback.reminder",
            "feedback.escalated",
        )
    )
}


@dataclass(frozen=True)
class Result:
    id: uuid.UUID
    ok: bool
    error: str | None = None


def resolve_targets(settings) -> dict[str, Target]:
    """Target names as enqueue writes them: "bot" and "webhook:<name or url>"."""
    targets: dict[str, Target] = {}
    if settings.bot_events_enabled:
        targets["bot"] = Target(
            "bot", settings.api_base_url.rstrip("/") + "/bot/events", settings.secret("bot_events_secret")
        )
    for hook in settings.webhooks or []:
        name = f"webhook:{hook.get('name') or hook.get('url')}"
        if not hook.get("url"):
            log.warning("webhook %s has no url: its events stay pending until the setting is fixed", name)
            continue
        targets[name] = Target(name, hook["url"], hook.get("secret") or "")
    return targets


def backoff_delay(attempts: int, base: float, cap: float, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait after the `attempts`-th failure: base·2^(attempts-1), capped, with "equal jitter"
    (uniform in the upper half), so retries of many rows after an outage spread out."""
    ceiling = min(cap, base * (2 ** max(0, attempts - 1)))
    return ceiling / 2 + rand() * ceiling / 2


def encode(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


# --- database steps (sync, short transactions) ------------------------------------------------------


def due_filter(now: datetime, max_attempts: int):
    return and_(
        OutboxEvent.delivered_at.is_(None), OutboxEvent.attempts < max_attempts, OutboxEvent.next_attempt_at <= now
    )


def claim_due(
    session: Session, now: datetime, max_attempts: int, limit: int = BATCH, lease: timedelta = LEASE
) -> list[Claim]:
    query = select(OutboxEvent).where(due_filter(now, max_attempts)).order_by(OutboxEvent.next_attempt_at).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claims = []
    for row in session.scalars(query).all():
        row.attempts += 1
        row.next_attempt_at = now + lease
        claims.append(Claim(row.id, row.target, dict(row.payload), row.attempts, row.created_at))
    session.commit()
    return claims


def record_results(
    session: Session, results: list[Result], now: datetime, settings, rand: Callable[[], float] = random.random
) -> None:
    for result in results:
        row = session.get(OutboxEvent, result.id)
        if row is None or row.delivered_at is not None:
            continue
        if result.ok:
            row.delivered_at = now
            row.last_error = None
            continue
        row.last_error = (result.error or "error")[:2000]
        if row.attempts >= settings.outbox_max_attempts:
            row.next_attempt_at = now
            # The error text stays in the row (admins see it); the log names the event only.
            log.error("outbox %s (%s) to %s dead after %d attempts", row.id, row.event, row.target, row.attempts)
        else:
            delay = backoff_delay(
                row.attempts, settings.outbox_backoff_base_seconds, settings.outbox_backoff_max_seconds, rand
            )
            row.next_attempt_at = now + timedelta(seconds=delay)
    session.commit()


def retry_dead(session: Session, event_id: uuid.UUID, now: datetime) -> bool:
    """Admin action: give a dead (or pending) row a fresh set of attempts."""
    row = session.get(OutboxEvent, event_id)
    if row is None or row.delivered_at is not None:
        return False
    row.attempts = 0
    row.next_attempt_at = now
    session.commit()
    return True


# --- HTTP ---------------------------------------------------------------------------------------------


async def post_event(client: httpx.AsyncClient, target: Target | None, claim: Claim) -> Result:
    if target is None:
        return Result(claim.id, False, f"unknown target {claim.target!r} (not in settings)")
    body = encode(claim.payload)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        EVENT_ID_HEADER: str(claim.payload.get("id") or claim.id),
        "X-Hotline-Event": str(claim.payload.get("event", "")),
        SIGNATURE_HEADER: sign(target.secret, body),
        "User-Agent": "hotline-outbox/1",
    }
    try:
        response = await client.post(target.url, content=body, headers=headers)
    except httpx.HTTPError as error:
        return Result(claim.id, False, f"{type(error).__name__}: {error}"[:500])
    if 200 <= response.status_code < 300:
        return Result(claim.id, True)
    return Result(claim.id, False, f"HTTP {response.status_code}: {response.text[:300]}")


class OutboxDispatcher:
    """One delivery pass at a time; the worker loop calls run_once() every outbox_poll_seconds.

    `bot_client`, when set, carries the "bot" target's events (the bot mounted on the same app, reached
    in-process); every other target, and the bot without it, goes through `client` over HTTP.
    """

    def __init__(
        self,
        settings,
        sessionmaker,
        client: httpx.AsyncClient | None = None,
        rand: Callable[[], float] = random.random,
        bot_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.client = client
        self.rand = rand
        self.bot_client = bot_client

    def _claim(self, now: datetime) -> list[Claim]:
        with self.sessionmaker() as session:
            return claim_due(session, now, self.settings.outbox_max_attempts)

    def _record(self, results: list[Result], now: datetime) -> None:
        with self.sessionmaker() as session:
            record_results(session, results, now, self.settings, self.rand)

    async def run_once(self, now: datetime | None = None) -> list[Result]:
        claims = await asyncio.to_thread(self._claim, now or utcnow())
        if not claims:
            return []
        targets = resolve_targets(self.settings)
        own_client = self.client is None
        client = self.client or httpx.AsyncClient(timeout=TIMEOUT)
        streams: dict[tuple, list[Claim]] = {}
        for claim in sorted(claims, key=lambda c: c.order_key):
            streams.setdefault(claim.stream, []).append(claim)

        def client_for(claim: Claim) -> httpx.AsyncClient:
            return self.bot_client if claim.target == "bot" and self.bot_client is not None else client

        async def send_stream(stream: list[Claim]) -> list[Result]:
            # In order within a stream (the citizen hears "received" before "assigned"); streams in
            # parallel. A failure does not hold back the rest: receivers must cope with order anyway.
            return [await post_event(client_for(c), targets.get(c.target), c) for c in stream]

        try:
            per_stream = await asyncio.gather(*(send_stream(s) for s in streams.values()))
            results = [result for stream in per_stream for result in stream]
        finally:
            if own_client:
                await client.aclose()
        await asyncio.to_thread(self._record, list(results), now or utcnow())
        return list(results)

    async def drain(self, now: datetime | None = None, max_passes: int = 100) -> int:
        """Deliver until nothing is due (tests, shutdown); returns the number of attempts made."""
        attempts = 0
        for _ in range(max_passes):
            results = await self.run_once(now)
            if not results:
                break
            attempts += len(results)
        return attempts
