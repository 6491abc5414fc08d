"""FB-OPS fixtures on top of the shared ones in tests/conftest.py (database_url, settings, client, tokens)."""

from __future__ import annotations

import pytest

from feedback_api.db import upgrade_database
from tests.feedback_ops.receiver import start_receiver

WEBHOOK_SECRET = "national-pakn-secret"


@pytest.fixture
def receiver():
    rec = start_receiver()
    yield rec
    rec.server.shutdown()
    rec.server.server_close()


@pytest.fixture
def ops_settings(settings, receiver):
    """The shared settings with one webhook (the national PAKN connector) pointing at the local receiver,
    the bot target off, short retry parameters and no background loops (tests drive them directly)."""
    updated = settings.model_copy(
        update={
            "webhooks": [{"name": "national", "url": f"{receiver.url}/pakn", "secret": WEBHOOK_SECRET}],
            "bot_events_enabled": False,
            "outbox_max_attempts": 3,
            "outbox_backoff_base_seconds": 10.0,
            "outbox_backoff_max_seconds": 3600.0,
            "outbox_poll_seconds": 0,
            "scheduler_interval_seconds": 0,
        }
    )
    upgrade_database(updated)
    return updated
