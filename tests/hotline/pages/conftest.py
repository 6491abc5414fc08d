"""Fixtures for the pages tests: the whole served app (hotline.app.create_app) over a tmp SQLite data dir."""

from __future__ import annotations

from pathlib import Path

import pytest

ASSETS = Path(__file__).resolve().parents[3] / "hotline" / "pages" / "static" / "assets"
STATIC = ASSETS.parent


@pytest.fixture(scope="module")
def pages_settings(tmp_path_factory):
    from common.settings import Settings

    return Settings(
        _env_file=None,
        data_dir=tmp_path_factory.mktemp("pages-data"),
        jwt_secret="pages-test-jwt-secret-0123456789abcdef",
        bot_password="bot-password-for-tests",
        bot_events_secret="bot-events-secret-for-tests",
        bot_events_enabled=False,
        webhooks=[],
        rate_limit_per_minute=1_000_000,
        hotline_hours="7h00–21h00 <mọi ngày>",
    )


@pytest.fixture(scope="module")
def served_app(pages_settings):
    """The app `hotline serve` runs (API + bot web chat + pages). Used without `with`: no lifespan, no NLU load."""
    from hotline.app import create_app

    return create_app(pages_settings)


@pytest.fixture(scope="module")
def web(served_app):
    from fastapi.testclient import TestClient

    return TestClient(served_app)


@pytest.fixture(scope="module")
def live_server(served_app):
    """The served app on a real port (uvicorn in a thread), for the browser tests."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # No lifespan: the bot's NLU warm-up and the background worker are not what these tests are about.
    server = uvicorn.Server(
        uvicorn.Config(served_app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "live server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
