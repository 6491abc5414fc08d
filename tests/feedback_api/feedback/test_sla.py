"""SLA policy, deadlines, pause extension, reminders and lateness."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from common.settings import Settings
from feedback_api.feedback.sla import SlaPolicy, deadlines, extend_for_pause, is_overdue, policy_for, reminder_due
from feedback_api.feedback.workdays import calendar_from_settings

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = calendar_from_settings(Settings(_env_file=None))


def at(y, m, d, hh=10):
    return datetime(y, m, d, hh, tzinfo=VN)


def eod(y, m, d):
    return datetime(y, m, d, 23, 59, 59, 999999, tzinfo=VN)


OVERRIDES = {
    "kinds": {"recommendation": {"answer_days": 15}},
    "agencies": {"SXD": {"answer_days": 20, "kinds": {"complaint": {"forward_days": 1}}}, "STP": {}},
}


def test_default_policy():
    assert policy_for("complaint", "UBND_TAMKY") == SlaPolicy(3, 10)
    assert policy_for("complaint", None, Settings(_env_file=None)) == SlaPolicy(3, 10)


@pytest.mark.parametrize(
    ("kind", "agency", "expected"),
    [
        ("complaint", "UBND_TAMKY", SlaPolicy(3, 10)),
        ("recommendation", "UBND_TAMKY", SlaPolicy(3, 15)),
        ("recommendation", "SXD", SlaPolicy(3, 20)),
        ("complaint", "SXD", SlaPolicy(1, 20)),
        ("complaint", "STP", SlaPolicy(3, 10)),
        ("recommendation", None, SlaPolicy(3, 15)),
    ],
)
def test_overrides_most_specific_wins(kind, agency, expected):
    assert policy_for(kind, agency, OVERRIDES) == expected
    settings = Settings(_env_file=None, sla_overrides=OVERRIDES)
    assert policy_for(kind, agency, settings) == expected


def test_settings_defaults_apply():
    settings = Settings(_env_file=None, sla_forward_days=2, sla_answer_days=7)
    assert policy_for("complaint", "X", settings) == SlaPolicy(2, 7)
    assert policy_for("complaint", "X", {"answer_days": 5}) == SlaPolicy(3, 5)
    with pytest.raises(ValueError):
        SlaPolicy(-1, 10)


def test_deadlines_tet_2026():
    forward, answer = deadlines(at(2026, 2, 13), SlaPolicy(), CAL)
    assert forward == eod(2026, 2, 25) and answer == eod(2026, 3, 6)


def test_pause_moves_due_by_working_days_waited():
    due = eod(2026, 3, 6)  # Friday
    # Paused Mon 2/3, citizen answers Wed 4/3: two working days waited -> due Tue 10/3.
    assert extend_for_pause(due, at(2026, 3, 2), at(2026, 3, 4, 15), CAL) == eod(2026, 3, 10)
    # Same-day answer: no extension.
    assert extend_for_pause(due, at(2026, 3, 2, 8), at(2026, 3, 2, 16), CAL) == due
    # Paused Fri, answered over the weekend (Sun): no working day waited.
    assert extend_for_pause(due, at(2026, 3, 6), at(2026, 3, 8), CAL) == due


def test_reminder_and_overdue():
    due = eod(2026, 3, 6)
    assert reminder_due(due, 2, CAL) == eod(2026, 3, 4)
    assert reminder_due(due, 0, CAL) == due
    assert not is_overdue(due, at(2026, 3, 6, 23))
    assert is_overdue(due, at(2026, 3, 7, 0))
    assert not is_overdue(due, at(2026, 4, 1), handled_at=at(2026, 3, 6, 17))
    assert is_overdue(due, at(2026, 3, 1), handled_at=at(2026, 3, 9))
    assert not is_overdue(None, at(2030, 1, 1))


moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 6, 1), timezones=st.just(VN))


@hsettings(max_examples=100, deadline=None)
@given(received=moments, wait_hours=st.integers(0, 24 * 30), n=st.integers(1, 20))
def test_pause_extension_properties(received, wait_hours, n):
    due = CAL.due_at(received, n)
    resumed = received + timedelta(hours=wait_hours)
    extended = extend_for_pause(due, received, resumed, CAL)
    waited = max(0, CAL.working_days_between(received, resumed))
    assert extended >= due
    assert CAL.working_days_between(due, extended) == waited
    assert extended == CAL.due_at(received, n + waited)


@hsettings(max_examples=100, deadline=None)
@given(received=moments, n=st.integers(1, 20), before=st.integers(0, 5))
def test_reminder_never_after_due(received, n, before):
    due = CAL.due_at(received, n)
    remind = reminder_due(due, before, CAL)
    assert remind <= due
    assert CAL.working_days_between(remind, due) == before
