"""`hotline serve` leaves the environment alone: the bot and the feedback service of each worker process
talk in-process both ways, so no process needs to be told the address served (HOTLINE_API_BASE_URL)."""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy import select

from common.signing import SIGNATURE_HEADER, verify


def test_serve_does_not_touch_the_environment(monkeypatch):
    import uvicorn
    from typer.testing import CliRunner

    from common.settings import get_settings
    from hotline import cli

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    monkeypatch.delenv("HOTLINE_API_BASE_URL", raising=False)
    get_settings.cache_clear()
    before = dict(os.environ)
    try:
        result = CliRunner().invoke(cli.app, ["serve", "--host", "0.0.0.0", "--port", "8123", "--workers", "2"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert dict(os.environ) == before
    [(args, kwargs)] = calls
    assert args == ("hotline.app:create_app",) and kwargs["factory"] is True
    assert (kwargs["host"], kwargs["port"], kwargs["workers"]) == ("0.0.0.0", 8123, 2)


def test_the_composition_mounts_the_bot_for_the_outbox(monkeypatch, settings):
    import feedback_api.main
    import knowledge_base.loader
    from hotline.app import create_app

    class Built(Exception):
        pass

    seen = {}

    def fake_feedback_app(*args, **kwargs):
        seen.update(kwargs)
        raise Built

    def no_kb(_settings):
        raise knowledge_base.loader.KBError(None, "not needed here")

    monkeypatch.setattr(feedback_api.main, "create_app", fake_feedback_app)
    monkeypatch.setattr(knowledge_base.loader, "load_knowledge_base", no_kb)
    with pytest.raises(Built):
        create_app(settings)
    assert seen.get("bot_mounted") is True


def test_outbox_hands_a_mounted_bot_its_events_in_process(settings):
    """Nothing listens at api_base_url: the events reach the bot's route through the app itself."""
    from feedback_api.db import get_sessionmaker
    from feedback_api.main import create_app
    from feedback_api.outbox.enqueue import enqueue
    from feedback_api.outbox.models import OutboxEvent

    settings = settings.model_copy(
        update={"api_base_url": "http://127.0.0.1:9", "outbox_poll_seconds": 0.05, "scheduler_interval_seconds": 0}
    )
    app = create_app(settings, bot_mounted=True)
    received: list[tuple[bytes, str | None]] = []

    @app.post("/bot/events")
    async def bot_events(request: Request) -> dict:  # stands in for the bot's receiver (bot.web)
        received.append((await request.body(), request.headers.get(SIGNATURE_HEADER)))
        return {"ok": True}

    item = SimpleNamespace(
        code="PA-2026-000001",
        status="answered",
        kind="complaint",
        channel="telegram",
        agency_code="TTPVHCC",
        answer="Đã sửa xong đèn đường.",
        reply_channel="telegram",
        reply_chat_id="42",
    )
    maker = get_sessionmaker(settings)
    with maker() as session:
        [row] = enqueue(session, "feedback.answered", item, settings)
        session.commit()
        event_id = row.id

    def delivered() -> bool:
        with maker() as session:
            return session.scalar(select(OutboxEvent.delivered_at).where(OutboxEvent.id == event_id)) is not None

    with TestClient(app):
        deadline = time.monotonic() + 20
        while not delivered() and time.monotonic() < deadline:
            time.sleep(0.05)
    assert delivered()
    [(body, signature)] = received
    assert verify(settings.secret("bot_events_secret"), body, signature)
    assert b"PA-2026-000001" in body
