"""The background worker end to end: in the app lifespan (`hotline serve`) and as `hotline worker`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from common.signing import verify
from feedback_api.main import create_app
from feedback_api.orm import utcnow
from tests.feedback_api.conftest import WEBHOOK_SECRET
from tests.feedback_api.scheduler.test_scheduler import _add_item

BODY = {"content": "Cống thoát nước bị tắc, nước tràn ra đường mỗi khi mưa.", "kind": "complaint", "channel": "web"}


def _wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_lifespan_runs_delivery_and_scheduler(ops_settings, receiver):
    settings = ops_settings.model_copy(update={"outbox_poll_seconds": 0.2, "scheduler_interval_seconds": 1})
    _add_item(settings, code="PA-2025-000001", received=utcnow() - timedelta(days=40))
    with TestClient(create_app(settings)) as client:
        code = client.post("/api/v1/feedback", json=BODY).json()["code"]
        assert _wait_for(
            lambda: {"feedback.created", "feedback.escalated"} <= {r.json["event"] for r in list(receiver.requests)}
        )
    events = {(r.json["event"], r.json["feedback"]["code"]) for r in receiver.requests}
    assert ("feedback.created", code) in events and ("feedback.escalated", "PA-2025-000001") in events
    assert all(verify(WEBHOOK_SECRET, r.body, r.headers["x-hotline-signature"]) for r in receiver.requests)


def test_hotline_worker_command(ops_settings, receiver, tmp_path):
    _add_item(ops_settings, code="PA-2025-000002", received=utcnow() - timedelta(days=40))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_") and k != "DATABASE_URL"},
        "HOTLINE_DATA_DIR": str(ops_settings.data_dir),
        "DATABASE_URL": ops_settings.effective_database_url,
        "HOTLINE_WEBHOOKS": json.dumps(ops_settings.webhooks),
        "HOTLINE_BOT_EVENTS_ENABLED": "false",
        "HOTLINE_OUTBOX_POLL_SECONDS": "0.2",
        "HOTLINE_SCHEDULER_INTERVAL_SECONDS": "1",
    }
    hotline = Path(sys.executable).with_name("hotline")
    process = subprocess.Popen(
        [str(hotline), "worker"], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert _wait_for(lambda: any(r.json["event"] == "feedback.escalated" for r in list(receiver.requests)), 60)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    [request] = [r for r in receiver.requests if r.json["event"] == "feedback.escalated"]
    assert request.json["feedback"]["code"] == "PA-2025-000002"
    assert verify(WEBHOOK_SECRET, request.body, request.headers["x-hotline-signature"])
