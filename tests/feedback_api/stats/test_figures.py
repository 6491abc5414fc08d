"""Figures from audit events: every figure checked on built event sequences, plus invariants."""

import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from common.settings import Settings
from feedback_api.feedback.lifecycle import TRANSITIONS, Action, Status
from feedback_api.feedback.sla import extend_for_pause
from feedback_api.feedback.workdays import calendar_from_settings
from feedback_api.stats.figures import (
    BACKLOG_BUCKETS,
    DEFINITIONS,
    AgencyMonth,
    backlog_at,
    backlog_counts,
    bucket_of,
    compute_figures,
    province_on_time_rate,
    replay,
    worst_first_key,
)

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
        self.log.append(
            dict(
                feedback_code=self.code,
                at=when,
                actor="x",
                action=str(action),
                from_status=from_status,
                to_status=str(self.status),
                agency_code=self.agency,
                due_at=self.due_at,
                kind=self.kind,
                reason=reason,
            )
        )

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
    Item(log, "PA-2026-000001", at(3, 2), "UBND_TAMKY").act(at(3, 3), Action.start).act(at(3, 5), Action.answer).act(
        at(3, 6), Action.publish
    )
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
        at(3, 6), Action.start
    ).act(at(3, 10), Action.answer)
    # F: needs_info pause: answered after the original due date but before the extended one.
    f = Item(log, "PA-2026-000006", at(3, 2), "UBND_TAMKY")
    original_due = f.due_at
    f.act(at(3, 3), Action.start).act(at(3, 4), Action.request_info).act(at(3, 11), Action.provide_info)
    assert f.due_at > original_due
    f.act(original_due + timedelta(days=1), Action.answer)
    # G: rejected by the coordinator.
    Item(log, "PA-2026-000007", at(3, 9)).act(at(3, 9, 15), Action.reject).act(at(3, 10), Action.close)
    # H: received 31/3 at 18:00 UTC = 1/4 01:00 in Vietnam: April.
    Item(log, "PA-2026-000008", datetime(2026, 3, 31, 18, 0, tzinfo=UTC), "UBND_TAMKY").act(at(4, 2), Action.answer)
    # I: duplicate, merged.
    Item(log, "PA-2026-000009", at(3, 12), "UBND_TAMKY").act(at(3, 13), Action.merge)
    return log, late_answer


def test_every_figure():
    log, late_answer = build()
    figures = compute_figures(log, NOW, CAL)
    tamky = figures.row("UBND_TAMKY", "2026-03")
    assert (
        tamky.received,
        tamky.handled,
        tamky.handled_on_time,
        tamky.overdue_open,
        tamky.published,
        tamky.rejected,
        tamky.merged,
    ) == (6, 3, 2, 1, 1, 0, 1)
    # Headline (province): (2 answered on time + D open, not yet due) ÷ (6 received − 1 merged).
    assert (tamky.open_in_time, tamky.due_total, tamky.handled_late) == (1, 5, 1)
    assert tamky.on_time_rate == pytest.approx(3 / 5)
    assert tamky.handled_on_time_rate == pytest.approx(2 / 3) and tamky.published_rate == pytest.approx(1 / 3)
    sxd = figures.row("SXD", "2026-03")
    assert (sxd.received, sxd.handled, sxd.handled_on_time, sxd.overdue_open) == (1, 1, 1, 0)
    assert figures.row("UBND_HOIAN", "2026-03") is None
    coordinator = figures.row("TTPVHCC", "2026-03")
    assert (coordinator.received, coordinator.handled, coordinator.rejected, coordinator.overdue_open) == (1, 0, 1, 0)
    assert coordinator.on_time_rate is None and coordinator.published_rate is None  # nothing left to handle
    assert coordinator.due_total == 0
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
    assert "Tỷ lệ xử lý PAKN đúng hạn" in data["definitions"]["on_time_rate"]
    assert "đang xử lý chưa đến hạn" in data["definitions"]["on_time_rate"]
    assert "handled_on_time ÷ handled" in data["definitions"]["handled_on_time_rate"]
    assert data["definitions"] == DEFINITIONS
    for row in data["rows"]:
        due_total = row["received"] - row["rejected"] - row["merged"]
        expected = (row["handled_on_time"] + row["open_in_time"]) / due_total if due_total else None
        assert row["on_time_rate"] == expected and row["due_total"] == due_total
        assert row["handled_on_time_rate"] == (row["handled_on_time"] / row["handled"] if row["handled"] else None)
        assert row["funnel"] == {
            "forwarded": due_total,
            "answered": row["handled"],
            "published": row["published"],
            "never_answered": row["open_in_time"] + row["overdue_open"],
        }


def test_default_calendar_knows_shipped_swaps():
    # Due Fri 9/1/2026, answered Mon 12/1: the make-up Saturday 10/1 (shipped data) was a working day,
    # so the answer is 2 working days late (the package calendar alone would say 1).
    log = [
        dict(
            feedback_code="PA-2026-000001",
            at=at(1, 1),
            actor="x",
            action="receive",
            from_status=None,
            to_status="assigned",
            agency_code="SXD",
            due_at=datetime(2026, 1, 9, 23, 59, 59, tzinfo=VN),
            kind="complaint",
            reason=None,
        ),
        dict(
            feedback_code="PA-2026-000001",
            at=at(1, 12),
            actor="x",
            action="answer",
            from_status="assigned",
            to_status="answered",
            agency_code="SXD",
            due_at=datetime(2026, 1, 9, 23, 59, 59, tzinfo=VN),
            kind="complaint",
            reason=None,
        ),
    ]
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


def test_seed_report_rate():
    # The province's own report: 95,627 on time + 1,307 open in time of 97,171 = 99.76 %.
    assert round(province_on_time_rate(95_627, 1_307, 97_171) * 100, 2) == 99.76
    assert province_on_time_rate(0, 0, 0) is None


def test_never_answered_counts_against_its_agency():
    # The example: an agency whose only item is 30 working days late and unanswered shows 0 %, not "—".
    log = []
    item = Item(log, "PA-2026-000001", at(1, 5), "SXD")
    item.act(at(1, 6), Action.start)
    now = CAL.due_at(item.due_at, 30).replace(hour=12, minute=0, second=0, microsecond=0)
    row = compute_figures(log, now, CAL).row("SXD", "2026-01")
    assert (row.overdue_open, row.due_total, row.handled) == (1, 1, 0)
    assert row.on_time_rate == 0.0 and row.handled_on_time_rate is None
    assert row.to_dict()["funnel"] == {"forwarded": 1, "answered": 0, "published": 0, "never_answered": 1}
    assert row.late[0].days_late == 30


def test_pause_waiting_for_citizen_is_not_overdue():
    log = []
    item = Item(log, "PA-2026-000001", at(3, 2), "SXD")
    item.act(at(3, 3), Action.start).act(at(3, 4), Action.request_info)
    after_due = item.due_at + timedelta(days=3)
    row = compute_figures(log, after_due, CAL).row("SXD", "2026-03")
    assert (row.overdue_open, row.open_in_time) == (0, 1)  # the clock stopped on 4/3
    # Paused after the deadline had already passed: still overdue.
    late_log = []
    late = Item(late_log, "PA-2026-000002", at(3, 2), "SXD")
    late.act(late.due_at + timedelta(days=2), Action.request_info)
    assert compute_figures(late_log, late.due_at + timedelta(days=20), CAL).row("SXD", "2026-03").overdue_open == 1


def test_backlog_counts_old_items_at_every_date():
    log, _ = build()
    # An item received in January and never answered is overdue in March and April whatever month is viewed.
    old = Item(log, "PA-2026-000010", at(1, 5), "SXD")
    items = replay(log)
    figures = compute_figures(log, NOW, CAL)
    backlog = {b.feedback_code: b for b in figures.backlog}
    assert set(backlog) == {"PA-2026-000003", "PA-2026-000010"}
    assert backlog["PA-2026-000010"].month == "2026-01" and backlog["PA-2026-000010"].agency_code == "SXD"
    assert backlog["PA-2026-000010"].days_overdue == CAL.working_days_between(old.due_at, NOW)
    assert [b.days_overdue for b in figures.backlog] == sorted((b.days_overdue for b in figures.backlog), reverse=True)
    end_feb = datetime(2026, 2, 28, 23, 59, 59, tzinfo=VN)
    assert [b.feedback_code for b in backlog_at(items, end_feb, CAL)] == ["PA-2026-000010"]
    assert backlog_counts(items, [at(1, 5), end_feb, NOW], CAL) == [0, 1, 2]


def test_buckets_cover_every_age():
    assert [bucket_of(d) for d in (1, 5, 6, 10, 11, 20, 21, 400)] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert len(BACKLOG_BUCKETS) == 4


def test_worst_first():
    rows = [
        AgencyMonth("A", "*", received=4, handled=4, handled_on_time=4),
        AgencyMonth("B", "*", received=4, handled=2, handled_on_time=1, overdue_open=2),
        AgencyMonth("C", "*", received=1, rejected=1),
        AgencyMonth("D", "*", received=2, handled=2, handled_on_time=1, open_in_time=0, overdue_open=0),
    ]
    assert [r.agency_code for r in sorted(rows, key=worst_first_key)] == ["B", "D", "A", "C"]


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
            target = (
                draw(st.sampled_from(["UBND_TAMKY", "SXD", "UBND_HOIAN"]))
                if action in (Action.assign, Action.transfer)
                else ("TTPVHCC" if action is Action.return_to_coordinator else None)
            )
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
        # Every item is in exactly one outcome.
        assert (
            row.handled_on_time + row.handled_late + row.open_in_time + row.overdue_open + row.rejected + row.merged
        ) == row.received
        assert row.due_total == row.handled + row.open_in_time + row.overdue_open
        assert len(row.late) == (row.handled - row.handled_on_time) + row.overdue_open
        assert all(item.days_late >= 1 for item in row.late)
        if row.handled:
            assert row.handled_on_time_rate == row.handled_on_time / row.handled
        else:
            assert row.handled_on_time_rate is None
        if row.due_total:
            assert row.on_time_rate == (row.handled_on_time + row.open_in_time) / row.due_total
            # An item never answered can only lower its agency's headline rate.
            assert row.on_time_rate <= 1 - row.overdue_open / row.due_total + 1e-12
        else:
            assert row.on_time_rate is None
    backlog_codes = {b.feedback_code for b in figures.backlog}
    assert len(backlog_codes) == figures.totals.overdue_open == sum(r.overdue_open for r in figures.rows)
    assert all(b.days_overdue >= 1 for b in figures.backlog)


@hsettings(max_examples=40, deadline=None)
@given(log=lifecycles(), days_after=st.integers(0, 200))
def test_headline_against_handled_only(log, days_after):
    """Answering an overdue item on time is impossible, but leaving it unanswered never helps the headline."""
    now = datetime(2026, 1, 5, tzinfo=VN) + timedelta(days=days_after)
    figures = compute_figures(log, now, CAL)
    for row in figures.rows:
        if row.due_total and row.handled and row.overdue_open:
            assert row.on_time_rate < 1
        if row.due_total and not row.overdue_open and not row.handled_late:
            assert row.on_time_rate == 1
