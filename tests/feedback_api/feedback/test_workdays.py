"""Working-day arithmetic: named cases (Tết 2026, 30/4–1/5) and properties (hypothesis)."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from common.settings import Settings
from feedback_api.feedback.workdays import END_OF_DAY, WorkCalendar, calendar_from_settings, default_calendar_data

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = calendar_from_settings(Settings(_env_file=None))
PLAIN = WorkCalendar()  # package calendar only


def at(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=VN)


# --- named cases ---------------------------------------------------------------------------------
def test_tet_2026_break_is_non_working_14_to_22_feb():
    for day in range(14, 23):
        assert not CAL.is_working_day(date(2026, 2, day)), day
    assert CAL.is_working_day(date(2026, 2, 13)) and CAL.is_working_day(date(2026, 2, 23))


def test_received_friday_before_tet_2026_ten_days():
    # 16–20/2 Tết, weekends 14–15 and 21–22: day 1 is Mon 23/2, day 10 is Fri 6/3/2026.
    due = CAL.due_at(at(2026, 2, 13, 16, 30), 10)
    assert due == datetime(2026, 3, 6, 23, 59, 59, 999999, tzinfo=VN)


def test_received_29_april_2026_three_days():
    # 30/4 and 1/5 holidays, 2–3/5 weekend: Mon 4, Tue 5, Wed 6 May.
    assert CAL.due_at(at(2026, 4, 29), 3) == datetime(2026, 5, 6, 23, 59, 59, 999999, tzinfo=VN)


def test_gio_to_2026_observed_monday():
    assert not CAL.is_working_day(date(2026, 4, 27))
    assert CAL.due_at(at(2026, 4, 24), 1).date() == date(2026, 4, 28)


def test_new_year_2026_bridge_and_makeup_saturday():
    # Fri 2/1/2026 off (VPCP 12729), Sat 10/1/2026 worked instead: only the shipped data knows this.
    assert PLAIN.is_working_day(date(2026, 1, 2)) and not CAL.is_working_day(date(2026, 1, 2))
    assert not PLAIN.is_working_day(date(2026, 1, 10)) and CAL.is_working_day(date(2026, 1, 10))
    # Received Wed 31/12/2025: 1/1 holiday, 2/1 off, weekend, so day 1 is Mon 5/1.
    assert CAL.due_at(at(2025, 12, 31), 1).date() == date(2026, 1, 5)
    # Received Fri 9/1/2026: the make-up Saturday 10/1 counts as day 1.
    assert CAL.due_at(at(2026, 1, 9), 1).date() == date(2026, 1, 10)
    assert CAL.due_at(at(2026, 1, 9), 2).date() == date(2026, 1, 12)


def test_national_day_2025_and_2026():
    for d in (date(2025, 9, 1), date(2025, 9, 2), date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)):
        assert not CAL.is_working_day(d), d
    assert CAL.is_working_day(date(2026, 8, 22))  # Saturday worked for 31/8
    # Received Fri 28/8/2026: 29–30 weekend, 31/8–2/9 off: day 1 is Thu 3/9.
    assert CAL.due_at(at(2026, 8, 28), 1).date() == date(2026, 9, 3)


def test_shipped_data_covers_every_swap_the_package_knows():
    # The package names swapped days "Day off (substituted from MM/DD/YYYY)"; that Saturday must be
    # a make-up working day in our data, or deadlines would skip a day the offices work.
    _, makeup = default_calendar_data()
    for year in (2025, 2026):
        for day, name in holidays.country_holidays("VN", years=year, language="en_US").items():
            match = re.search(r"substituted from (\d\d)/(\d\d)/(\d{4})", name)
            if match:
                month, dom, yr = map(int, match.groups())
                assert date(yr, month, dom) in makeup, (day, name)


def test_settings_extend_and_override_shipped_days():
    s = Settings(_env_file=None, extra_days_off=[date(2026, 3, 4)], makeup_working_days=[date(2026, 1, 2)])
    cal = calendar_from_settings(s)
    assert not cal.is_working_day(date(2026, 3, 4))
    assert cal.is_working_day(date(2026, 1, 2))  # a deployment can correct the shipped data
    assert cal.is_working_day(date(2026, 1, 10))


def test_naive_datetime_is_local_and_utc_is_converted():
    # 20:00 UTC on Thu 5/3/2026 is already Fri 6/3 03:00 in Vietnam.
    utc = datetime(2026, 3, 5, 20, 0, tzinfo=UTC)
    assert CAL.due_at(utc, 1).date() == date(2026, 3, 9)
    assert CAL.due_at(datetime(2026, 3, 5, 20, 0), 1).date() == date(2026, 3, 6)


def test_working_days_between_and_subtract():
    assert CAL.working_days_between(at(2026, 3, 2), at(2026, 3, 4)) == 2
    assert CAL.working_days_between(at(2026, 3, 4), at(2026, 3, 2)) == -2
    assert CAL.working_days_between(at(2026, 3, 2, 8), at(2026, 3, 2, 17)) == 0
    due = CAL.due_at(at(2026, 2, 13), 10)  # Fri 6/3
    assert CAL.subtract_working_days(due, 2).date() == date(2026, 3, 4)
    # Received Tue 10/2, 5 days: 11, 12, 13, (Tết), 23, 24/2. Two days before due skips back over Tết.
    due = CAL.due_at(at(2026, 2, 10), 5)
    assert due.date() == date(2026, 2, 24)
    assert CAL.subtract_working_days(due, 2).date() == date(2026, 2, 13)


def test_negative_counts_rejected():
    with pytest.raises(ValueError):
        CAL.due_at(at(2026, 1, 5), -1)
    with pytest.raises(ValueError):
        CAL.subtract_working_days(at(2026, 1, 5), -1)
    with pytest.raises(ValueError):
        WorkCalendar(extra_days_off=[date(2026, 1, 3)], makeup_working_days=[date(2026, 1, 3)])


# --- properties ---------------------------------------------------------------------------------
moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 10, 1), timezones=st.just(VN))
counts = st.integers(min_value=1, max_value=40)


def brute_count(cal, first: date, last: date) -> int:
    return sum(cal.is_working_day(first + timedelta(days=i)) for i in range(1, (last - first).days + 1))


@hsettings(max_examples=150, deadline=None)
@given(received=moments, n=counts)
def test_due_properties(received, n):
    due = CAL.due_at(received, n)
    assert due.tzinfo is not None and due.utcoffset() == timedelta(hours=7)
    assert due.timetz().replace(tzinfo=None) == END_OF_DAY  # end of a day...
    assert CAL.is_working_day(due.date())  # ...of a working day
    assert due > received
    # exactly n working days in (received date, due date]
    assert brute_count(CAL, received.date(), due.date()) == n
    assert CAL.working_days_between(received, due) == n
    # monotone in n
    assert CAL.due_at(received, n + 1) > due
    # subtract is the inverse of adding
    assert CAL.subtract_working_days(CAL.due_at(received, n + 3), 3) == due


@hsettings(max_examples=100, deadline=None)
@given(a=moments, b=moments, n=counts)
def test_due_monotone_in_received_at(a, b, n):
    early, late = sorted((a, b))
    assert CAL.due_at(early, n) <= CAL.due_at(late, n)


@hsettings(max_examples=100, deadline=None)
@given(received=moments, n=counts)
def test_receipt_on_non_working_day_counts_from_next_working_day(received, n):
    d = received.date()
    if not CAL.is_working_day(d):
        first = CAL.next_working_day(d)
        # Same as receiving at the start of the previous working day's evening: day 1 is `first`.
        assert CAL.due_at(received, 1).date() == first
        assert CAL.due_at(received, n) == CAL.due_at(datetime.combine(first, time(8), VN), n - 1)


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))


@hsettings(max_examples=100, deadline=None)
@given(day=days, n=counts)
def test_makeup_days_count_as_working(day, n):
    saturday = day + timedelta(days=(5 - day.weekday()) % 7)
    cal = WorkCalendar(makeup_working_days=[saturday])
    assert cal.is_working_day(saturday) and not PLAIN.is_working_day(saturday)
    received = datetime.combine(saturday - timedelta(days=1), time(9), VN)
    # With one more working day in the way the deadline can only come earlier (or stay).
    assert cal.due_at(received, n) <= PLAIN.due_at(received, n)
    assert cal.due_at(received, 1).date() == saturday


@hsettings(max_examples=100, deadline=None)
@given(day=days)
def test_weekends_and_package_holidays_never_work(day):
    if day.weekday() >= 5 and day not in CAL.makeup_working_days:
        assert not CAL.is_working_day(day)
    if day in holidays.country_holidays("VN", years=day.year):
        assert not CAL.is_working_day(day)


def test_shipped_calendar_data_is_consistent():
    off, makeup = default_calendar_data()
    assert off and makeup and not set(off) & set(makeup)
    assert all(d.weekday() < 5 for d in off)  # a day off only matters on a weekday
    assert all(d.weekday() >= 5 for d in makeup)  # make-up days are weekend days worked
    assert len(off) == len(makeup)  # every announced swap has both halves
