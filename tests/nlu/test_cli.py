"""`hotline parse` contract (DESIGN.md), through the real console script in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HOTLINE = Path(sys.executable).parent / "hotline"


@pytest.fixture(scope="module")
def run(parser, nlu_data_dir):
    """Run `hotline parse` against the session data dir (the `parser` fixture built its index)."""
    env = {**os.environ, "HOTLINE_DATA_DIR": str(nlu_data_dir), "HF_HUB_OFFLINE": "1", "HOTLINE_NLU_BACKEND": "builtin"}

    def _run(*args: str, stdin: bytes | None = None, **extra_env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(HOTLINE), "parse", *args], input=stdin, capture_output=True, env={**env, **extra_env}, timeout=300
        )

    return _run


def _objects(stdout: bytes) -> list[dict]:
    return [json.loads(line) for line in stdout.decode("utf-8").splitlines()]


def test_single_text(run) -> None:
    done = run("lệ phí đăng ký kết hôn bao nhiêu")
    assert done.returncode == 0, done.stderr.decode()
    objects = _objects(done.stdout)
    assert len(objects) == 1
    result = objects[0]
    assert result["text"] == "lệ phí đăng ký kết hôn bao nhiêu"
    assert result["intent"]["name"] == "ask_procedure"
    assert result["aspect"] == "fee"
    assert 1 <= len(result["procedures"]) <= 5
    assert "1.000894" in [p["code"] for p in result["procedures"][:3]]  # national code of đăng ký kết hôn
    assert "ệ" in done.stdout.decode("utf-8")  # ensure_ascii=False


def test_stdin_lines_in_order_with_empty_long_and_invalid_utf8(run) -> None:
    long_line = "đường thôn em ngập nặng " * 300  # > 2,000 characters
    lines = [
        "xin chào".encode(),
        b"",
        b"lam giay khai sinh o dau",
        b"\xff\xfe khong phai utf8",
        long_line.encode(),
        "tra cứu PA-2026-000123".encode(),
    ]
    done = run(stdin=b"\n".join(lines) + b"\n")
    assert done.returncode == 1
    objects = _objects(done.stdout)
    assert len(objects) == len(lines)
    assert objects[0]["intent"]["name"] == "greet"
    assert objects[1] == {
        "text": "",
        "intent": {"name": "out_of_scope", "confidence": 1.0},
        "aspect": None,
        "procedures": [],
    }
    assert objects[2]["intent"]["name"] == "ask_procedure" and objects[2]["aspect"] == "where"
    assert objects[3]["line"] == 4 and objects[3]["error"] == "invalid_utf8"
    assert "dòng 4" in done.stderr.decode("utf-8")
    assert len(objects[4]["text"]) == 2000 and objects[4]["intent"]["name"] == "submit_feedback"
    assert objects[5]["intent"]["name"] == "check_status"


def test_stdin_all_valid_exits_zero(run) -> None:
    done = run(stdin="\ufeffcảm ơn\r\ntạm biệt\n".encode())
    assert done.returncode == 0, done.stderr.decode()
    objects = _objects(done.stdout)
    assert [o["intent"]["name"] for o in objects] == ["thank", "goodbye"]
    assert objects[0]["text"] == "cảm ơn"  # byte-order mark and CRLF stripped


def test_unreachable_rasa_backend_is_a_clear_error(run) -> None:
    done = run("xin chào", HOTLINE_NLU_BACKEND="rasa", HOTLINE_RASA_URL="http://127.0.0.1:9")
    assert done.returncode == 2
    assert done.stdout == b""
    assert "127.0.0.1:9" in done.stderr.decode("utf-8") and "Traceback" not in done.stderr.decode("utf-8")
