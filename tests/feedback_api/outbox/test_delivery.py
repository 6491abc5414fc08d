"""Outbox delivery against a real HTTP receiver on 127.0.0.1, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import select

from common.db import dispose_engine
from common.signing import verify
from feedback_api.db import get_sessionmaker
from feedback_api.orm import utcnow
from feedback_api.outbox import delivery
from feedback_api.outbox.delivery import OutboxDispatcher, claim_due
from feedback_api.outbox.enqueue import enqueue
from feedback_api.outbox.models import OutboxEvent
from tests.feedback_api.conftest import WEBHOOK_SECRET


def _item(code="PA-2026-000001", reply=True):
    return SimpleNamespace(
        code=code,
        status="received",
        kind="complaint",
        channel="telegram",
        agency_code="TTPVHCC",
        answer=None,
        reply_channel="telegram" if reply else None,
        reply_chat_id="42" if reply else None,
    )


def _enqueue(settings, event="feedback.created", code="PA-2026-000001"):
    with get_sessionmaker(settings)() as session:
        rows = enqueue(session, event, _item(code), settings)
        session.commit()
        return [row.id for row in rows]


def _rows(settings):
    with get_sessionmaker(settings)() as session:
        return {row.id: row for row in session.scalars(select(OutboxEvent))}


def _run(coro):
    return asyncio.run(coro)


def test_delivers_signed_event_once(ops_settings, receiver):
    [event_id] = _enqueue(ops_settings)
    results = _run(OutboxDispatcher(ops_settings, get_sessionmaker(ops_settings)).run_once())
    assert [r.ok for r in results] == [True]
    [request] = receiver.requests
    assert request.path == "/pakn"
    assert verify(WEBHOOK_SECRET, request.body, request.headers["x-hotline-signature"])
    assert not verify("wrong-secret", request.body, request.headers["x-hotline-signature"])
    assert request.headers["x-hotline-event-id"] == str(event_id)
    body = request.json
    assert body["id"] == str(event_id) and body["event"] == "feedback.created"
    assert body["feedback"]["code"] == "PA-2026-000001"
    row = _rows(ops_settings)[event_id]
    assert row.delivered_at is not None and row.attempts == 1 and row.last_error is None
    # Delivered rows are not sent again.
    assert _run(OutboxDispatcher(ops_settings, get_sessionmaker(ops_settings)).run_once()) == []
    assert len(receiver.requests) == 1


def test_retries_after_500_with_backoff(ops_settings, receiver):
    receiver.script = [500]
    [event_id] = _enqueue(ops_settings)
    dispatcher = OutboxDispatcher(ops_settings, get_sessionmaker(ops_settings), rand=lambda: 1.0)
    t0 = utcnow()
    [first] = _run(dispatcher.run_once(now=t0))
    assert not first.ok and "500" in first.error
    row = _rows(ops_settings)[event_id]
    assert row.delivered_at is None and row.attempts == 1
    # rand=1: the first retry waits exactly the base delay.
    assert row.next_attempt_at == t0 + timedelta(seconds=10)
    assert _run(dispatcher.run_once(now=t0 + timedelta(seconds=9))) == []
    [second] = _run(dispatcher.run_once(now=t0 + timedelta(seconds=10)))
    assert second.ok
    assert len(receiver.requests) == 2
    # Same event id both times: the receiver deduplicates on it.
    assert {r.headers["x-hotline-event-id"] for r in receiver.requests} == {str(event_id)}
    assert _rows(ops_settings)[event_id].delivered_at is not None


def test_backoff_schedule_doubles_between_attempts(ops_settings, receiver):
    receiver.default_status = 503
    settings = ops_settings.model_copy(update={"outbox_max_attempts": 5})
    [event_id] = _enqueue(settings)
    dispatcher = OutboxDispatcher(settings, get_sessionmaker(settings), rand=lambda: 1.0)
    now = utcnow()
    waits = []
    for _ in range(4):
        _run(dispatcher.run_once(now=now))
        next_at = _rows(settings)[event_id].next_attempt_at
        waits.append((next_at - now).total_seconds())
        now = next_at
    assert waits == [10, 20, 40, 80]


def test_dead_letter_after_max_attempts_and_admin_retry(ops_settings, receiver):
    receiver.default_status = 500
    [event_id] = _enqueue(ops_settings)
    dispatcher = OutboxDispatcher(ops_settings, get_sessionmaker(ops_settings))
    now = utcnow()
    for _ in range(3):
        assert len(_run(dispatcher.run_once(now=now))) == 1
        now += timedelta(hours=2)
    row = _rows(ops_settings)[event_id]
    assert row.attempts == 3 and row.delivered_at is None and "500" in row.last_error
    # Dead: kept, never picked again however late it gets.
    assert _run(dispatcher.run_once(now=now + timedelta(days=30))) == []
    assert len(receiver.requests) == 3
    # An admin gives it another chance once the receiver is fixed.
    receiver.default_status = 200
    with get_sessionmaker(ops_settings)() as session:
        assert delivery.retry_dead(session, event_id, now)
    assert [r.ok for r in _run(dispatcher.run_once(now=now))] == [True]


def test_unreachable_target_is_retried_not_lost(ops_settings, receiver):
    settings = ops_settings.model_copy(
        update={"webhooks": [{"name": "national", "url": "http://127.0.0.1:9/closed", "secret": "x"}]}
    )
    [event_id] = _enqueue(settings)
    [result] = _run(OutboxDispatcher(settings, get_sessionmaker(settings)).run_once())
    assert not result.ok and "Connect" in result.error
    row = _rows(settings)[event_id]
    assert row.delivered_at is None and row.attempts == 1 and row.next_attempt_at > utcnow()


def test_no_loss_across_restart(ops_settings, receiver):
    ids = set(_enqueue(ops_settings, code="PA-2026-000001")) | set(_enqueue(ops_settings, code="PA-2026-000002"))
    # A worker claims both rows, then dies before sending anything.
    with get_sessionmaker(ops_settings)() as session:
        claimed = claim_due(session, utcnow(), ops_settings.outbox_max_attempts)
    assert {c.id for c in claimed} == ids
    dispose_engine(ops_settings.effective_database_url)
    # A new process (new engine) sees them leased, then delivers each once the lease runs out.
    dispatcher = OutboxDispatcher(ops_settings, get_sessionmaker(ops_settings))
    assert _run(dispatcher.run_once()) == []
    later = utcnow() + delivery.LEASE + timedelta(seconds=1)
    assert _run(dispatcher.drain(now=later)) == 2
    assert {r.headers["x-hotline-event-id"] for r in receiver.requests} == {str(i) for i in ids}
    assert all(row.delivered_at is not None for row in _rows(ops_settings).values())


def test_bot_target_uses_bot_secret(ops_settings, receiver):
    settings = ops_settings.model_copy(
        update={
            "bot_events_enabled": True,
            "api_base_url": receiver.url,
            "bot_events_secret": "bot-secret",
            "webhooks": [],
        }
    )
    assert _enqueue(settings) == []  # creation is not news to the citizen: the bot is not sent it
    [event_id] = _enqueue(settings, event="feedback.answered")
    _run(OutboxDispatcher(settings, get_sessionmaker(settings)).run_once())
    [request] = receiver.requests
    assert request.path == "/bot/events"
    assert verify("bot-secret", request.body, request.headers["x-hotline-signature"])
    assert request.json["feedback"]["reply_to"] == {"channel": "telegram", "chat_id": "42"}


def test_admin_sees_dead_letters_and_retries_them(ops_settings, receiver, tokens):
    from fastapi.testclient import TestClient

    from feedback_api.main import create_app

    receiver.default_status = 500
    [event_id] = _enqueue(ops_settings)
    dispatcher = OutboxDispatcher(ops_settings, get_sessionmaker(ops_settings))
    now = utcnow()
    for _ in range(3):
        _run(dispatcher.run_once(now=now))
        now += timedelta(hours=2)
    client = TestClient(create_app(ops_settings))
    dead = client.get("/api/v1/admin/outbox", params={"state": "dead"}, headers=tokens["admin"])
    assert dead.status_code == 200
    body = dead.json()
    assert [i["id"] for i in body["items"]] == [str(event_id)]
    item = body["items"][0]
    assert item["state"] == "dead" and item["attempts"] == 3 and "500" in item["last_error"]
    assert item["target"] == "webhook:national" and item["feedback_code"] == "PA-2026-000001"
    assert body["counts"] == {"pending": 0, "dead": 1, "delivered": 0}
    # Staff may not look; only an admin may retry.
    assert client.get("/api/v1/admin/outbox", headers=tokens["staff"]).status_code == 403
    assert client.post(f"/api/v1/admin/outbox/{event_id}/retry", headers=tokens["supervisor"]).status_code == 403
    assert client.post(f"/api/v1/admin/outbox/{event_id}/retry", headers=tokens["admin"]).status_code == 200
    receiver.default_status = 200
    assert [r.ok for r in _run(dispatcher.run_once())] == [True]
    counts = client.get("/api/v1/admin/outbox", params={"state": "delivered"}, headers=tokens["admin"]).json()["counts"]
    assert counts == {"pending": 0, "dead": 0, "delivered": 1}


def test_events_of_one_item_arrive_in_lifecycle_order(ops_settings, receiver):
    now = utcnow()
    with get_sessionmaker(ops_settings)() as session:
        # Written in one transaction with the same timestamp, as intake does for created + assigned;
        # enqueue the later event first to show the order does not come from insertion.
        enqueue(session, "feedback.assigned", _item(), ops_settings, occurred_at=now)
        enqueue(session, "feedback.created", _item(), ops_settings, occurred_at=now)
        enqueue(session, "feedback.answered", _item(), ops_settings, occurred_at=now + timedelta(seconds=1))
        session.commit()
    results = _run(
        OutboxDispatcher(ops_settings, get_sessionmaker(ops_settings)).run_once(now=now + timedelta(seconds=2))
    )
    assert all(r.ok for r in results) and len(results) == 3
    assert [r.json["event"] for r in receiver.requests] == [
        "feedback.created",
        "feedback.assigned",
        "feedback.answered",
    ]


def test_misconfigured_webhook_does_not_block_the_others(ops_settings, receiver):
    settings = ops_settings.model_copy(
        update={
            "webhooks": [
                {"name": "broken", "secret": "x"},
                {"name": "national", "url": f"{receiver.url}/pakn", "secret": WEBHOOK_SECRET},
            ]
        }
    )
    _enqueue(settings)
    results = _run(OutboxDispatcher(settings, get_sessionmaker(settings)).run_once())
    by_target = {row.target: row for row in _rows(settings).values()}
    assert set(by_target) == {"webhook:broken", "webhook:national"}
    assert by_target["webhook:national"].delivered_at is not None
    assert (
        by_target["webhook:broken"].delivered_at is None and "unknown target" in by_target["webhook:broken"].last_error
    )
    assert sorted(r.ok for r in results) == [False, True]


def test_concurrent_workers_claim_disjoint_rows(ops_settings):
    import threading

    ids = set()
    for n in range(1, 21):
        ids |= set(_enqueue(ops_settings, code=f"PA-2026-{n:06d}"))
    barrier = threading.Barrier(4)
    claimed: list[list] = []
    lock = threading.Lock()

    def worker():
        barrier.wait()
        with get_sessionmaker(ops_settings)() as session:
            got = claim_due(session, utcnow(), ops_settings.outbox_max_attempts, limit=8)
        with lock:
            claimed.append([c.id for c in got])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    flat = [i for batch in claimed for i in batch]
    assert len(flat) == len(set(flat)) == 20  # every row once, none twice
    assert set(flat) == ids
