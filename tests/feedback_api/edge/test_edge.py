"""Robustness at the edge: Idempotency-Key, rate limit, request size limit."""

from __future__ import annotations

from feedback_api.db import get_sessionmaker
from tests.feedback_api.conftest import BODY, client_with, count_items

# --- Idempotency-Key -----------------------------------------------------------------------------


def test_same_key_same_body_replays_original_answer(client, settings):
    headers = {"Idempotency-Key": "tg-update-1001"}
    first = client.post("/api/v1/feedback", json=BODY, headers=headers)
    assert first.status_code == 201
    # A retry with the same body (other key order) gets the very same answer and no second item.
    second = client.post("/api/v1/feedback", json=dict(reversed(list(BODY.items()))), headers=headers)
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second.headers.get("idempotent-replayed") == "true"
    assert count_items(settings) == 1
    # Without a key every post is a new item.
    assert client.post("/api/v1/feedback", json=BODY).status_code == 201
    assert count_items(settings) == 2


def test_same_key_other_body_is_409(client, settings):
    headers = {"Idempotency-Key": "k-42"}
    assert client.post("/api/v1/feedback", json=BODY, headers=headers).status_code == 201
    other = client.post("/api/v1/feedback", json={**BODY, "kind": "recommendation"}, headers=headers)
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in other.json()["detail"] and "khác" in other.json()["detail"]
    assert count_items(settings) == 1


def test_key_survives_restart(client, settings):
    headers = {"Idempotency-Key": "zalo-msg-77"}
    first = client.post("/api/v1/feedback", json=BODY, headers=headers).json()
    # A new app (as after a restart) over the same database.
    again = client_with(settings).post("/api/v1/feedback", json=BODY, headers=headers)
    assert again.status_code == 201 and again.json() == first
    assert count_items(settings) == 1


def test_keys_are_scoped_per_client(client, settings, tokens):
    headers = {"Idempotency-Key": "shared-key"}
    anonymous = client.post("/api/v1/feedback", json=BODY, headers=headers).json()
    as_operator = client.post("/api/v1/feedback", json=BODY, headers={**headers, **tokens["operator"]}).json()
    assert anonymous["code"] != as_operator["code"]
    assert count_items(settings) == 2


def test_invalid_key_is_400(client, settings):
    response = client.post("/api/v1/feedback", json=BODY, headers={"Idempotency-Key": "x" * 300})
    assert response.status_code == 400 and response.json()["code"] == "invalid_idempotency_key"
    assert count_items(settings) == 0


def test_failed_validation_is_replayed_not_stored_twice(client, settings):
    headers = {"Idempotency-Key": "bad-body"}
    first = client.post("/api/v1/feedback", json={"content": "ngắn"}, headers=headers)
    assert first.status_code == 422
    second = client.post("/api/v1/feedback", json={"content": "ngắn"}, headers=headers)
    assert second.status_code == 422 and second.json() == first.json()
    assert count_items(settings) == 0


# --- rate limit ----------------------------------------------------------------------------------


def test_rate_limit_429_with_retry_after(settings, tokens):
    client = client_with(settings, rate_limit_per_minute=3)
    for _ in range(3):
        assert client.get("/api/v1/feedback/PA-2026-000001").status_code == 404
    limited = client.get("/api/v1/feedback/PA-2026-000001")
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert "thử lại sau" in limited.json()["detail"]
    retry_after = int(limited.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    # Intake is limited too; a staff/bot token is not (the bot speaks for many citizens from one address).
    assert client.post("/api/v1/feedback", json=BODY).status_code == 429
    assert client.post("/api/v1/feedback", json=BODY, headers=tokens["operator"]).status_code == 201
    # A forged token does not buy an exemption.
    forged = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"}
    assert client.get("/api/v1/feedback/PA-2026-000001", headers=forged).status_code == 429
    # Health checks are never limited.
    assert client.get("/healthz").status_code in (200, 404)


# --- request size limit --------------------------------------------------------------------------


def test_oversized_request_is_413(settings):
    client = client_with(settings, max_request_bytes=2000)
    response = client.post("/api/v1/feedback", json={**BODY, "content": "x" * 3000})
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large" and "quá lớn" in response.json()["detail"]

    def chunks():  # no Content-Length: the limit still holds
        for _ in range(10):
            yield b"x" * 500

    response = client.post("/api/v1/feedback", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert count_items(settings) == 0


def test_key_is_stored_with_its_answer_and_legacy_in_progress_rows_are_taken_over(settings):
    """The key is written once, in the item's transaction, with the answer (no "in progress" state)."""
    from feedback_api.edge import idempotency_service as service
    from feedback_api.edge.models import IdempotencyKey
    from feedback_api.orm import utcnow

    maker = get_sessionmaker(settings)
    now = utcnow()
    claim = service.Claim("ip:1.2.3.4", "k", "/api/v1/feedback", "h1")
    other = service.Claim("ip:1.2.3.4", "k", "/api/v1/feedback", "h2")
    with maker() as session:
        assert service.lookup(session, claim).outcome is service.Outcome.NEW
        assert (
            service.record(session, claim, 201, "application/json", b'{"code":"PA-2026-000009"}', now).outcome
            is service.Outcome.NEW
        )
        session.rollback()  # the item's transaction failed: the key goes with it
    with maker() as session:
        assert service.lookup(session, claim).outcome is service.Outcome.NEW
        service.record(session, claim, 201, "application/json", b'{"code":"PA-2026-000009"}', now)
        session.commit()
    with maker() as session:
        replay = service.lookup(session, claim)
        assert replay.outcome is service.Outcome.REPLAY and replay.body == b'{"code":"PA-2026-000009"}'
        assert service.lookup(session, other).outcome is service.Outcome.CONFLICT
        # A second transaction with the same key (lost the race): told to replay, stores nothing.
        assert service.record(session, claim, 201, "application/json", b"{}", now).outcome is service.Outcome.REPLAY
        assert service.record(session, other, 201, "application/json", b"{}", now).outcome is service.Outcome.CONFLICT
        session.rollback()
    # A row left "in progress" by an older version is taken over by the same request's transaction.
    legacy = service.Claim("ip:1.2.3.4", "old", "/api/v1/feedback", "h1")
    with maker() as session:
        session.add(
            IdempotencyKey(
                client_scope="ip:1.2.3.4", key="old", path="/api/v1/feedback", request_hash="h1", created_at=now
            )
        )
        session.commit()
    with maker() as session:
        assert service.lookup(session, legacy).outcome is service.Outcome.NEW
        assert service.record(session, legacy, 201, "application/json", b"{}", now).outcome is service.Outcome.NEW
        session.commit()
    with maker() as session:
        assert service.lookup(session, legacy).outcome is service.Outcome.REPLAY
