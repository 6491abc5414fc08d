"""Figures from audit events: every figure checked on built event sequences, plus invariants."""
import random
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from feedback_api.stats.figures import DEFINITIONS, compute_figures
from feedback_api.feedback.lifecycle import TRANSITIONS, Action, Status
from feedback_api.feedback.sla import extend_for_pause
from feedback_api.feedback.workdays import calendar_from_settings
from common.settings import Settings

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = calendar_from_settings(Settings(_env_file=None))
NOW = datetime(2026, 4, 10, 9, 0, tzinfo=VN)


def at(m, d, hh=9):
    return datetime(2026, m, d, hh, tzinfo=VN)


class Item:
    """Builds audit events the way the feedback service writes them."""

    def __init__(self, log, code, received_at, agency="TTPVHCC", kind="complaint"):
        self.log, self.code, self.kind = log, code, kind
        self.status, self.agency = Status.received, "TTPVHCC"
        self.due_at = CAL.due_at(received_at, 10)
        self.paused_at = None
        self._event(received_at, "receive", None)
        if agency != "TTPVHCC":
            self.act(received_at, Action.assign, agency=agency)

    def _event(self, when, action, from_status, reason=None):
        self.log.append(dict(feedback_code=self.code, at=when, actor="x", action=str(action),
                             from_status=from_status, to_status=str(self.status), agency_code=self.agency,
                             due_at=self.due_at, kind=self.kind, reason=reason))

    def act(self, when, action, agency=None):
        before = self.status
        self.status = TRANSITIONS[(before, action)]
        if agency:
            self.agency = agency
        if action is Action.request_info:
            self.paused_at = when
        if action is Action.provide_info:
            self.due_at = extend_for_pause(self.due_at, self.paused_at, when, CAL)
        self._event(when, action, str(before))
        return self


def build():
    log = []
    # A: on time and published.
    Item(log, "PA-2026-000001", at(3, 2), "UBND_TAMKY").act(at(3, 3), Action.start).act(
        at(3, 5), Action.answer).act(at(3, 6), Action.publish)
    # B: answered 3 working days late.
    b = Item(log, "PA-2026-000002", at(3, 2), "UBND_TAMKY")
    late_answer = CAL.due_at(b.due_at, 3).replace(hour=10, minute=0, second=0, microsecond=0)
    b.act(at(3, 3), Action.start).act(late_answer, Action.answer)
    # C: still open and overdue.
    Item(log, "PA-2026-000003", at(3, 3), "UBND_TAMKY").act(at(3, 4), Action.start)
    # D: open but not due yet at NOW.
    assert CAL.due_at(at(3, 31, 15), 10) > NOW
    Item(log, "PA-2026-000004", at(3, 31, 15), "UBND_TAMKY")
    # E: transferred mid-way: counts for the final agency (SXD), not the first one.
    Item(log, "PA-2026-000005", at(3, 4), "UBND_HOIAN").act(at(3, 5), Action.transfer, agency="SXD").act(
        at(3, 6), Action.start).act(at(3, 10), Action.answer)
    # F: needs_info pause: answered after the original due date but before the extended one.
    f = Item(log, "PA-2026-000006", at(3, 2), "UBND_TAMKY")
    original_due = f.due_at
    f.act(at(3, 3), Action.start).act(at(3, 4), Action.request_info).act(at(3, 11), Action.provide_info)
    assert f.due_at > original_due
    f.act(original_due + timedelta(days=1), Action.answer)
    # G: rejected by the coordinator.
    Item(log, "PA-2026-000007", at(3, 9)).act(at(3, 9, 15), Action.reject).act(at(3, 10), Action.close)
    # H: received 31/3 at 18:00 UTC = 1/4 01:00 in Vietnam: April.
    Item(log, "PA-2026-000008", datetime(2026, 3, 31, 18, 0, tzinfo=timezone.utc), "UBND_TAMKY").act(
        at(4, 2), Action.answer)
    # I: duplicate, merged.
    Item(log, "PA-2026-000009", at(3, 12), "UBND_TAMKY").act(at(3, 13), Action.merge)
    return log, late_answer


def test_every_figure():
    log, late_answer = build()
    figures = compute_figures(log, NOW, CAL)
    tamky = figures.row("UBND_TAMKY", "2026-03")
    assert (tamky.received, tamky.handled, tamky.handled_on_time, tamky.overdue_open, tamky.published,
            tamky.rejected, tamky.merged) == (6, 3, 2, 1, 1, 0, 1)
    assert tamky.on_time_rate == pytest.approx(2 / 3) and tamky.published_rate == pytest.approx(1 / 3)
    sxd = figures.row("SXD", "2026-03")
    assert (sxd.received, sxd.handled, sxd.handled_on_time, sxd.overdue_open) == (1, 1, 1, 0)
    assert figures.row("UBND_HOIAN", "2026-03") is None
    coordinator = figures.row("TTPVHCC", "2026-03")
    assert (coordinator.received, coordinator.handled, coordinator.rejected, coordinator.overdue_open) == (1, 0, 1, 0)
    assert coordinator.on_time_rate is None and coordinator.published_rate is None
    april = figures.row("UBND_TAMKY", "2026-04")
    assert (april.received, april.handled, april.handled_on_time) == (1, 1, 1)
    assert figures.totals.received == 9 and figures.totals.handled == 5 and figures.totals.handled_on_time == 4

    late = {item.feedback_code: item for item in figures.late["UBND_TAMKY"]}
    assert set(late) == {"PA-2026-000002", "PA-2026-000003"}
    assert late["PA-2026-000002"].days_late == 3 and late["PA-2026-000002"].handled_at == late_answer
    open_late = late["PA-2026-000003"]
    assert open_late.handled_at is None
    assert open_late.days_late == CAL.working_days_between(open_late.due_at, NOW) > 0
    assert set(figures.late) == {"UBND_TAMKY"}
    assert {i.feedback_code for i in tamky.late} == {"PA-2026-000002", "PA-2026-000003"}


def test_definitions_in_response():
    figures = compute_figures(build()[0], NOW, CAL)
    data = figures.to_dict()
    assert "handled_on_time / handled" in data["definitions"]["on_time_rate"]
    assert data["definitions"] == DEFINITIONS
    for row in data["rows"]:
        expected = row["handled_on_time"] / row["handled"] if row["handled"] else None
        assert row["on_time_rate"] == expected


def test_default_calendar_knows_shipped_swaps():
    # Due Fri 9/1/2026, answered Mon 12/1: the make-up Saturday 10/1 (shipped data) was a working day,
    # so the answer is 2 working days late (the package calendar alone would say 1).
    log = [dict(feedback_code="PA-2026-000001", at=at(1, 1), actor="x", action="receive", from_status=None,
                to_status="assigned", agency_code="SXD", due_at=datetime(2026, 1, 9, 23, 59, 59, tzinfo=VN),
                kind="complaint", reason=None),
           dict(feedback_code="PA-2026-000001", at=at(1, 12), actor="x", action="answer", from_status="assigned",
                to_status="answered", agency_code="SXD", due_at=datetime(2026, 1, 9, 23, 59, 59, tzinfo=VN),
                kind="complaint", reason=None)]
    assert compute_figures(log, NOW).late["SXD"][0].days_late == 2


def test_order_and_event_type_do_not_matter():
    log, _ = build()
    shuffled = log[:]
    random.Random(7).shuffle(shuffled)
    as_objects = [SimpleNamespace(**event) for event in shuffled]
    assert compute_figures(shuffled, NOW, CAL).to_dict() == compute_figures(log, NOW, CAL).to_dict()
    assert compute_figures(as_objects, NOW, CAL).to_dict() == compute_figures(log, NOW, CAL).to_dict()


def test_overdue_depends_on_now():
    log, _ = build()
    early = compute_figures(log, at(3, 4), CAL)
    assert early.row("UBND_TAMKY", "2026-03").overdue_open == 0
    # Events after `now` are ignored: as of 4/3 09:00 nothing had been answered, A, B, C, F were with
    # Tam Kỳ and E was still with Hội An (transferred the next day).
    assert early.row("UBND_TAMKY", "2026-03").handled == 0
    assert early.row("UBND_TAMKY", "2026-03").received == 4
    assert early.row("UBND_HOIAN", "2026-03").received == 1 and early.row("SXD", "2026-03") is None
    assert early.totals.received == 5


def test_empty():
    figures = compute_figures([], NOW, CAL)
    assert figures.rows == [] and figures.totals.received == 0 and figures.totals.on_time_rate is None


# --- invariants on random lifecycles ------------------------------------------------------------
@st.composite
def lifecycles(draw):
    log = []
    for n in range(draw(st.integers(1, 6))):
        received = datetime(2026, 1, 5, 8, tzinfo=VN) + timedelta(hours=draw(st.integers(0, 24 * 120)))
        agency = draw(st.sampled_from(["TTPVHCC", "UBND_TAMKY", "SXD"]))
        item = Item(log, f"PA-2026-{n:06d}", received, agency)
        when = received
        for _ in range(draw(st.integers(0, 8))):
            options = sorted(a for (s, a) in TRANSITIONS if s == item.status)
            if not options:
                break
            action = draw(st.sampled_from(options))
            when += timedelta(hours=draw(st.integers(1, 24 * 10)))
            target = draw(st.sampled_from(["UBND_TAMKY", "SXD", "UBND_HOIAN"])) if action in (
                Action.assign, Action.transfer) else ("TTPVHCC" if action is Action.return_to_coordinator else None)
            item.act(when, action, agency=target)
    return log


@hsettings(max_examples=60, deadline=None)
@given(log=lifecycles(), days_after=st.integers(0, 200))
def test_invariants(log, days_after):
    now = datetime(2026, 1, 5, tzinfo=VN) + timedelta(days=days_after)
    figures = compute_figures(log, now, CAL)
    log = [e for e in log if e["at"] <= now]
    codes = {e["feedback_code"] for e in log}
    assert figures.totals.received == len(codes)
    answered = {e["feedback_code"] for e in log if e["action"] == "answer"}
    assert figures.totals.handled == len(answered)
    for row in figures.rows:
        assert 0 <= row.handled_on_time <= row.handled <= row.received
        assert row.published <= row.handled
        assert row.handled + row.rejected + row.merged + row.overdue_open <= row.received
        assert len(row.late) == (row.handled - row.handled_on_time) + row.overdue_open
        assert all(item.days_late >= 1 for item in row.late)
        if row.handled:
            assert row.on_time_rate == row.handled_on_time / row.handled
        else:
            assert row.on_time_rate is None
