"""`hotline serve` end to end: one process serves API, web chat and pages; the bot reaches the API through
its HTTP contract in-process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.texts import LOOKUP_UNAVAILABLE, NO_OWN_ITEMS

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("serve")
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOTLINE_")}
    env.pop("DATABASE_URL", None)
    env.update(HOTLINE_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1", HOTLINE_EMBEDDING_MODEL="none")
    process = subprocess.Popen(
        [sys.executable, "-m", "hotline.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"hotline serve exited: {process.stderr.read()[-2000:]}")
        try:
            if httpx.get(f"{base}/api/v1/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        process.terminate()
        pytest.fail("hotline serve did not become healthy within 120 s")
    yield base
    process.terminate()
    process.wait(timeout=30)


def test_pages_and_chat_widget_are_served(served):
    for path in ("/", "/chat", "/tra-cuu", "/cong-khai", "/can-bo"):
        response = httpx.get(served + path, timeout=10)
        assert response.status_code == 200, path
        assert "text/html" in response.headers["content-type"]


def test_feedback_through_web_chat_reaches_the_api_in_process(served):
    session = "serve-test-1"

    def say(text: str) -> str:
        response = httpx.post(f"{served}/api/v1/chat", json={"session_id": session, "text": text}, timeout=60)
        assert response.status_code == 200, response.text
        return "\n".join(message["text"] for message in response.json()["messages"])

    # "My items" makes the bot sign in and query the feedback API (in-process, through its HTTP API).
    # Unreachable, it would answer LOOKUP_UNAVAILABLE instead.
    reply = say("phản ánh của tôi")
    assert NO_OWN_ITEMS in reply, reply
    assert LOOKUP_UNAVAILABLE not in reply
