"""Rasa intent backend: contract mapping against a local stand-in, and the real Rasa server when installed."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import pytest

from nlu.rasa_backend import INTENTS, RasaIntentBackend, RasaUnavailable

ROOT = Path(__file__).resolve().parents[2]
RASA_VENV = Path(os.environ.get("RASA_VENV", Path.home() / ".cache/hotline/rasa-venv"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _FakeRasa(BaseHTTPRequestHandler):
    """Answers /model/parse in Rasa's response shape with a scripted intent per text."""

    scripted = {"xin chào": ("greet", 0.97), "??": ("nlu_fallback", 0.3)}

    def do_POST(self):  # noqa: N802 (http.server API)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if body["text"] == "boom":
            self.send_response(500)
            self.end_headers()
            return
        name, confidence = self.scripted.get(body["text"], ("ask_procedure", 0.8))
        payload = {
            "text": body["text"],
            "intent": {"name": name, "confidence": confidence},
            "intent_ranking": [{"name": name, "confidence": confidence}],
            "entities": [],
        }
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_rasa_url():
    server = HTTPServer(("127.0.0.1", 0), _FakeRasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_backend_maps_rasa_response_to_contract(fake_rasa_url):
    backend = RasaIntentBackend(fake_rasa_url)
    assert backend.predict("xin chào") == ("greet", 0.97)
    # Rasa's FallbackClassifier label is not one of ours: it means out of scope.
    assert backend.predict("??") == ("out_of_scope", 0.3)


def test_backend_reports_server_errors_clearly(fake_rasa_url):
    with pytest.raises(RasaUnavailable, match="Rasa server"):
        RasaIntentBackend(fake_rasa_url).predict("boom")
    with pytest.raises(RasaUnavailable):
        RasaIntentBackend(f"http://127.0.0.1:{_free_port()}", timeout=1).predict("xin chào")


@pytest.fixture(scope="module")
def real_rasa_url():
    if not (RASA_VENV / ".installed-3.6.21").exists():
        pytest.skip(f"Rasa venv not installed at {RASA_VENV} (bash scripts/setup_rasa.sh install)")
    port = _free_port()
    env = {**os.environ, "RASA_PORT": str(port), "RASA_VENV": str(RASA_VENV)}
    process = subprocess.Popen(
        ["bash", "scripts/setup_rasa.sh", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600  # first run trains the model
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"Rasa server exited with code {process.returncode}")
            try:
                if httpx.get(f"{url}/status", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(2)
        else:
            pytest.fail("Rasa server did not start within 10 minutes")
        yield url
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)


def _dev_examples() -> list[dict]:
    path = ROOT / "nlu/data/dev_intents.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_real_rasa_server_classifies_held_out_examples(real_rasa_url):
    backend = RasaIntentBackend(real_rasa_url, timeout=10)
    examples = _dev_examples()
    predictions = [backend.predict(example["text"]) for example in examples]
    assert all(name in INTENTS and 0.0 <= confidence <= 1.0 for name, confidence in predictions)
    accuracy = sum(name == ex["intent"] for (name, _), ex in zip(predictions, examples, strict=False)) / len(examples)
    assert accuracy >= 0.75, f"Rasa intent accuracy on held-out examples: {accuracy:.2f}"


def test_parser_with_rasa_backend_keeps_the_parse_contract(real_rasa_url, tmp_path):
    from common.settings import Settings
    from nlu.pipeline import Parser

    parser = Parser(Settings(nlu_backend="rasa", rasa_url=real_rasa_url, data_dir=tmp_path))
    result = parser.parse("làm giấy khai sinh cho con cần giấy tờ gì").as_json()
    assert set(result) == {"text", "intent", "aspect", "procedures"}
    assert result["intent"]["name"] == "ask_procedure"
    assert result["procedures"], "ask_procedure should come with procedures"
