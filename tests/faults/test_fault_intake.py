"""Fault scripts against a real server and a real (private) PostgreSQL: scripts/fault_intake.py.

Issue 10 defect 1 (kill -9 under load: nothing acknowledged is lost, nothing stored twice, every stored
item reaches its client on retry) and defect 4 (database stopped under load: 503 + Retry-After only,
one log line per failure, intake back as soon as PostgreSQL is). Each run is bounded (~30 s).
Skipped, saying why, where no PostgreSQL binaries can be run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "fault_intake.py"


def _run(scenario: str) -> dict:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), scenario, "--clients", "6", "--seconds", "2.5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    if "skipped" in figures:
        pytest.skip(f"fault run not possible here: {figures['skipped']}")
    print(json.dumps(figures, ensure_ascii=False))
    return figures


def test_kill9_under_load_loses_and_duplicates_nothing():
    figures = _run("kill9")
    assert figures["acknowledged"] > 0
    assert figures["lost"] == 0
    assert figures["duplicates"] == 0
    # Before the fix, an item stored just before the kill stayed "in progress": its client got 409 and
    # never its code (and after 5 minutes a second item). Now every stored item was told to its client.
    assert figures["unacknowledged_pending"] == 0
    assert set(figures["statuses"]) <= {"201", "conn"}, figures["statuses"]


def test_database_stop_under_load_is_503_and_recovers():
    figures = _run("db-stop")
    assert figures["lost"] == 0 and figures["duplicates"] == 0 and figures["unacknowledged_pending"] == 0
    # Only answers: 201 or 503 (never a 500, never a connection closed without an answer).
    assert set(figures["statuses"]) <= {"201", "503"}, figures["statuses"]
    assert figures["failed_requests_during_outage"] > 0
    assert figures["log_lines_per_failure"] <= 1.0, figures["sample_log"]
    assert figures["recovery_seconds"] is not None and figures["recovery_seconds"] < 10
