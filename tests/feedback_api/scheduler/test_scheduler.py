"""Reminders and escalations: issued when due, exactly once, across passes, restarts and workers."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from common.db import dispose_engine
from common.signing import verify
from feedback_api.db import get_sessionmaker
from feedback_api.feedback import sla
from feedback_api.feedback.models import Feedback
from feedback_api.feedback.workdays import calendar_from_settings
from feedback_api.outbox.delivery import OutboxDispatcher
from feedback_api.outbox.models import OutboxEvent
from feedback_api.scheduler import service
from feedback_api.scheduler.models import ScheduledNotice
from tests.feedback_api.conftest import WEBHOOK_SECRET, feedback_row

# Monday 2 March 2026, 09:00 in Hà Nội (no holiday nearby).
RECEIVED = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def _add_item(settings, code="PA-2026-000001", status="assigned", agency="SXD", received=RECEIVED):
    calendar = calendar_from_settings(settings)
    forward_due, due = sla.deadlines(received, sla.SlaPolicy(), calendar)
    with get_sessionmaker(settings)() as session:
        session.add(
            feedback_row(
                code,
                received,
                content="Đèn đường trước chợ bị hỏng nhiều ngày.",
                status=status,
                agency_code=agency,
                routing_reason="test",
                forward_due_at=forward_due,
                due_at=due,
            )
        )
        session.commit()
    return forward_due, due


def _pass(settings, now):
    with get_sessionmaker(settings)() as session:
        return [(n.feedback_code, n.kind) for n in service.run_pass(session, settings, now)]


def _count(settings, model, *where):
    with get_sessionmaker(settings)() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_reminder_then_escalation_each_once(ops_settings):
    _, due = _add_item(ops_settings)
    remind_at = sla.reminder_due(due, ops_settings.remind_days_before, calendar_from_settings(ops_settings))
    assert RECEIVED < remind_at < due
    assert _pass(ops_settings, remind_at - timedelta(seconds=1)) == []
    assert _pass(ops_settings, remind_at + timedelta(seconds=1)) == [("PA-2026-000001", "reminder")]
    assert _pass(ops_settings, remind_at + timedelta(hours=1)) == []
    assert _pass(ops_settings, due + timedelta(seconds=1)) == [("PA-2026-000001", "escalation")]
    assert _pass(ops_settings, due + timedelta(days=3)) == []
    assert _count(ops_settings, ScheduledNotice) == 2
    with get_sessionmaker(ops_settings)() as session:
        events = set(session.scalars(select(OutboxEvent.event)))
    assert events == {"feedback.reminder", "feedback.escalated"}


def test_survives_restart_without_repeating(ops_settings):
    _, due = _add_item(ops_settings)
    after = due + timedelta(hours=1)
    assert _pass(ops_settings, after) == [("PA-2026-000001", "escalation")]
    # "Restart": a brand-new engine and sessionmaker, as a new process would have.
    dispose_engine(ops_settings.effective_database_url)
    assert _pass(ops_settings, after + timedelta(minutes=5)) == []
    assert _count(ops_settings, ScheduledNotice) == 1
    assert _count(ops_settings, OutboxEvent, OutboxEvent.event == "feedback.escalated") == 1


def test_concurrent_workers_issue_once(ops_settings):
    for n in range(1, 6):
        _add_item(ops_settings, code=f"PA-2026-{n:06d}")
    _, due = _add_item(ops_settings, code="PA-2026-000006")
    now = due + timedelta(hours=1)
    barrier = threading.Barrier(3)
    errors = []

    def worker():
        try:
            barrier.wait()
            _pass(ops_settings, now)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _count(ops_settings, ScheduledNotice) == 6
    assert _count(ops_settings, OutboxEvent) == 6


def test_new_deadline_earns_new_reminder(ops_settings):
    _, due = _add_item(ops_settings)
    calendar = calendar_from_settings(ops_settings)
    assert _pass(ops_settings, due + timedelta(minutes=1)) == [("PA-2026-000001", "escalation")]
    # A transfer or a needs_info pause moved the deadline: the new deadline gets its own notices.
    new_due = calendar.due_at(due, 5)
    with get_sessionmaker(ops_settings)() as session:
        item = session.scalars(select(Feedback)).one()
        item.due_at = new_due
        session.commit()
    remind_at = sla.reminder_due(new_due, ops_settings.remind_days_before, calendar)
    assert _pass(ops_settings, remind_at + timedelta(minutes=1)) == [("PA-2026-000001", "reminder")]


@pytest.mark.parametrize("status", ["needs_info", "answered", "published", "closed", "rejected"])
def test_no_notice_when_clock_stopped_or_handled(ops_settings, status):
    _, due = _add_item(ops_settings, status=status)
    assert _pass(ops_settings, due + timedelta(days=10)) == []


def test_forward_overdue_at_coordinator(ops_settings):
    forward_due, due = _add_item(ops_settings, status="received", agency="TTPVHCC")
    assert _pass(ops_settings, forward_due + timedelta(minutes=1)) == [("PA-2026-000001", "forward_overdue")]


def test_reminder_delivered_to_webhook_not_to_bot(ops_settings, receiver):
    settings = ops_settings.model_copy(update={"bot_events_enabled": True})
    _, due = _add_item(settings)
    assert _pass(settings, due + timedelta(minutes=1)) == [("PA-2026-000001", "escalation")]
    assert _count(settings, OutboxEvent, OutboxEvent.target == "bot") == 0
    results = asyncio.run(OutboxDispatcher(settings, get_sessionmaker(settings)).run_once())
    assert [r.ok for r in results] == [True]
    [request] = receiver.requests
    assert verify(WEBHOOK_SECRET, request.body, request.headers["x-hotline-signature"])
    body = request.json
    assert body["event"] == "feedback.escalated"
    assert body["feedback"]["code"] == "PA-2026-000001" and body["feedback"]["agency"] == "SXD"
    assert body["notice"]["audience"] == "supervisors"
    assert datetime.fromisoformat(body["notice"]["deadline"]) == due


def test_notices_listed_for_staff_of_the_owning_agency(ops_settings, tokens):
    from fastapi.testclient import TestClient

    from feedback_api.main import create_app

    _, due_stp = _add_item(ops_settings, code="PA-2026-000001", agency=tokens.agency["staff"])
    _add_item(ops_settings, code="PA-2026-000002", agency=tokens.agency["staff_other"])
    _pass(ops_settings, due_stp + timedelta(minutes=1))
    client = TestClient(create_app(ops_settings))
    own = client.get("/api/v1/notices", headers=tokens["staff"]).json()
    assert [(n["feedback_code"], n["kind"]) for n in own] == [("PA-2026-000001", "escalation")]
    assert datetime.fromisoformat(own[0]["deadline"]) == due_stp
    # Asking for another agency does not widen a staff member's view.
    assert (
        client.get("/api/v1/notices", params={"agency": tokens.agency["staff_other"]}, headers=tokens["staff"]).json()
        == own
    )
    everything = client.get("/api/v1/notices", headers=tokens["supervisor"]).json()
    assert {n["feedback_code"] for n in everything} == {"PA-2026-000001", "PA-2026-000002"}
    assert client.get("/api/v1/notices").status_code == 401
