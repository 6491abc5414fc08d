"""Nothing a citizen submitted is lost or stored twice: an Idempotency-Key commits with its item (issue 10,
defect 1), and a database outage is a 503 + Retry-After with one log line, never a 500 (defect 4).

The real-server versions (kill -9, a PostgreSQL stop under load) are in tests/faults/."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from common.db import get_engine
from feedback_api.db import get_sessionmaker
from feedback_api.edge.models import IdempotencyKey
from feedback_api.feedback.models import Feedback
from feedback_api.main import create_app
from tests.feedback_api.conftest import BODY

OPEN311_BODY = {"service_code": "complaint.giao_thong", "description": BODY["content"]}


def _count(settings, model=Feedback) -> int:
    with get_sessionmaker(settings)() as session:
        return session.scalar(select(func.count()).select_from(model))


class ProcessKilled(BaseException):
    """Stands for kill -9: nothing after this point runs (not even `except Exception` blocks)."""


def _post_then_die(app, path: str, key: str, json: dict) -> None:
    """POST through the ASGI app; the process 'dies' as the answer starts going out (item committed)."""
    import json as jsonlib

    body = jsonlib.dumps(json).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"content-type", b"application/json"),
            (b"idempotency-key", key.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"host", b"testserver"),
        ],
        "client": ("testclient", 50000),
        "server": ("testserver", 80),
    }
    delivered = False

    async def receive():
        nonlocal delivered
        if delivered:
            await asyncio.sleep(3600)
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            raise ProcessKilled

    with pytest.raises(ProcessKilled):
        asyncio.run(app(scope, receive, send))


@pytest.mark.parametrize("path,body", [("/api/v1/feedback", BODY), ("/open311/v2/requests.json", OPEN311_BODY)])
def test_retry_after_a_crash_replays_the_acknowledged_code(settings, path, body):
    """Defect 1: the key used to be completed after the answer was sent; a crash in that gap left it
    'in progress' (409 for 5 min, then a second item). Now the key commits with the item."""
    _post_then_die(create_app(settings), path, "crash-key-1", body)
    assert _count(settings) == 1  # the item was stored before the 'crash'
    # After the restart the channel retries with the same key: the stored answer, not a second item.
    retry = TestClient(create_app(settings)).post(path, json=body, headers={"Idempotency-Key": "crash-key-1"})
    assert retry.status_code == 201, retry.text
    assert retry.headers.get("idempotent-replayed") == "true"
    with get_sessionmaker(settings)() as session:
        code = session.scalar(select(Feedback.code))
    assert code in retry.text
    assert _count(settings) == 1


def test_key_and_item_commit_together(settings, client):
    """The key row exists exactly when the item does: a failed intake leaves no key behind."""
    assert client.post("/api/v1/feedback", json=BODY, headers={"Idempotency-Key": "k-together"}).status_code == 201
    with get_sessionmaker(settings)() as session:
        row = session.scalars(select(IdempotencyKey)).one()
    assert row.status_code == 201 and row.completed_at is not None and b"PA-" in row.response_body
    bad = client.post("/api/v1/feedback", json={**BODY, "kind": "khác"}, headers={"Idempotency-Key": "k-bad"})
    assert bad.status_code == 422
    assert _count(settings, IdempotencyKey) == 1


def test_concurrent_requests_with_one_key_store_one_item(settings, app):
    """Two deliveries of one message at the same moment: one item, both told the same code."""

    async def both():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return await asyncio.gather(
                *(http.post("/api/v1/feedback", json=BODY, headers={"Idempotency-Key": "k-race"}) for _ in range(4))
            )

    responses = asyncio.run(both())
    assert [r.status_code for r in responses] == [201] * 4, [r.text for r in responses]
    assert len({r.json()["code"] for r in responses}) == 1
    assert _count(settings) == 1


# --- database outage (defect 4) ----------------------------------------------------------------------


@pytest.fixture
def outage(settings):
    """Every statement fails as when the database server is down, until the returned switch is reset."""
    engine = get_engine(settings.effective_database_url)
    state = {"down": False}

    def fail(*_args, **_kwargs):
        if state["down"]:
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    event.listen(engine, "before_cursor_execute", fail)
    yield state
    event.remove(engine, "before_cursor_execute", fail)


@pytest.mark.parametrize(
    "method,path,extra",
    [
        ("post", "/api/v1/feedback", {"json": BODY}),
        ("post", "/api/v1/feedback", {"json": BODY, "headers": {"Idempotency-Key": "k-outage"}}),
        ("post", "/open311/v2/requests.json", {"json": OPEN311_BODY}),
        ("get", "/api/v1/feedback/PA-2026-000001", {}),
        ("get", "/api/v1/stats", {}),
        ("get", "/api/v1/healthz", {}),
    ],
)
def test_database_outage_is_503_with_retry_after(settings, app, outage, caplog, method, path, extra):
    client = TestClient(app)
    outage["down"] = True
    with caplog.at_level(logging.INFO):
        response = getattr(client, method)(path, **extra)
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) > 0
    assert response.json()["code"] == "database_unavailable"
    assert "thử lại" in response.json()["detail"] or "không truy cập" in response.json()["detail"]
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert lines[0].exc_info is None and "\n" not in lines[0].getMessage()
    # The database comes back: the same request succeeds, nothing half-stored meanwhile.
    outage["down"] = False
    assert getattr(client, method)(path, **extra).status_code in (200, 201, 404)


def test_database_outage_with_a_token_is_503(settings, app, tokens, outage):
    client = TestClient(app)
    outage["down"] = True
    response = client.get("/api/v1/feedback", headers=tokens["supervisor"])
    assert response.status_code == 503 and "Retry-After" in response.headers
