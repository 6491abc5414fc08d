"""Vietnamese working-day arithmetic for PAKN deadlines.

A working day is Monday–Friday that is not a public holiday (the `holidays` package's VN calendar), not
an announced extra day off, or any day the government declares a make-up working day (usually a
Saturday swapped for a bridge day). Counting starts on the first working day AFTER receipt and a
deadline is the end (23:59:59.999999 local time) of the N-th working day, so receipt on a weekend or
holiday counts from the next working day, exactly as the DESIGN.md deadline rule says.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import yaml

from common.settings import Settings

DEFAULT_TZ = "Asia/Ho_Chi_Minh"
CALENDAR_DATA = Path(__file__).resolve().parents[1] / "data" / "calendar_vn.yaml"
END_OF_DAY = time(23, 59, 59, 999999)
# Safety bound for the day-by-day walks: no run of non-working days is anywhere near this long.
_MAX_GAP_DAYS = 60


class WorkCalendar:
    def __init__(
        self,
        extra_days_off: Iterable[date] = (),
        makeup_working_days: Iterable[date] = (),
        tz: str = DEFAULT_TZ,
    ):
        self.extra_days_off = frozenset(extra_days_off)
        self.makeup_working_days = frozenset(makeup_working_days)
        overlap = self.extra_days_off & self.makeup_working_days
        if overlap:
            raise ValueError(f"days both off and working: {sorted(overlap)}")
        self.tz = ZoneInfo(tz)
        self._holiday_years: dict[int, frozenset[date]] = {}

    # --- days --------------------------------------------------------------------------------
    def _holidays(self, year: int) -> frozenset[date]:
        # One immutable set per year: cheap lookups and no shared mutable `holidays` object.
        cached = self._holiday_years.get(year)
        if cached is None:
            cached = _vn_holidays(year)
            self._holiday_years[year] = cached
        return cached

    def is_holiday(self, d: date) -> bool:
        return d in self._holidays(d.year)

    def is_working_day(self, d: date) -> bool:
        if d in self.makeup_working_days:
            return True
        if d in self.extra_days_off or d.weekday() >= 5:
            return False
        return not self.is_holiday(d)

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        for _ in range(_MAX_GAP_DAYS):
            d += timedelta(days=1)
            if self.is_working_day(d):
                return d
        raise ValueError(f"no working day within {_MAX_GAP_DAYS} days after {d}")

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before `d`."""
        for _ in range(_MAX_GAP_DAYS):
            d -= timedelta(days=1)
            if self.is_working_day(d):
                return d
        raise ValueError(f"no working day within {_MAX_GAP_DAYS} days before {d}")

    # --- instants ----------------------------------------------------------------------------
    def local(self, moment: datetime) -> datetime:
        """`moment` in local time; naive datetimes are taken to be local already."""
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.tz)
        return moment.astimezone(self.tz)

    def local_date(self, moment: datetime) -> date:
        return self.local(moment).date()

    def end_of_day(self, d: date) -> datetime:
        return datetime.combine(d, END_OF_DAY, tzinfo=self.tz)

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after date `d` (n >= 0; n = 0 returns `d`)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        for _ in range(n):
            d = self.next_working_day(d)
        return d

    def due_at(self, received_at: datetime, working_days: int) -> datetime:
        """End of the `working_days`-th working day after the local date of `received_at`."""
        if working_days < 0:
            raise ValueError("working_days must be >= 0")
        return self.end_of_day(self.add_working_days(self.local_date(received_at), working_days))

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days in (local date of start, local date of end]; negative when end < start.

        Waiting from Monday to Wednesday spends 2 working days (Tuesday and Wednesday); an item due
        Friday and answered the next Tuesday is 2 working days late.
        """
        first, last = self.local_date(start), self.local_date(end)
        if last < first:
            return -self.working_days_between(end, start)
        count, d = 0, first
        while d < last:
            d += timedelta(days=1)
            count += self.is_working_day(d)
        return count

    def subtract_working_days(self, due_at: datetime, n: int) -> datetime:
        """End of the latest working day D <= due date with exactly n working days in (D, due date].

        With due_at at the end of a working day this is "n working days before due": at that moment
        exactly n working days remain.
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        d = self.local_date(due_at)
        if not self.is_working_day(d):
            d = self.previous_working_day(d)
        for _ in range(n):
            d = self.previous_working_day(d)
        return self.end_of_day(d)


@lru_cache(maxsize=64)
def _vn_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("VN", years=year).keys())


@lru_cache(maxsize=4)
def default_calendar_data(path: Path = CALENDAR_DATA) -> tuple[tuple[date, ...], tuple[date, ...]]:
    """(extra_days_off, makeup_working_days) announced by the government, shipped as data."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return (
        tuple(_as_date(d) for d in data.get("extra_days_off") or ()),
        tuple(_as_date(d) for d in data.get("makeup_working_days") or ()),
    )


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def calendar_from_settings(settings: Settings) -> WorkCalendar:
    """The shipped announcements plus settings.extra_days_off / makeup_working_days, in settings.timezone.

    A date listed as a make-up working day in settings wins over a shipped day off (and vice versa),
    so a deployment can correct the shipped data without a code change.
    """
    shipped_off, shipped_makeup = default_calendar_data()
    configured_off = {_as_date(d) for d in settings.extra_days_off}
    configured_makeup = {_as_date(d) for d in settings.makeup_working_days}
    days_off = (set(shipped_off) - configured_makeup) | configured_off
    makeup = (set(shipped_makeup) - configured_off) | configured_makeup
    return WorkCalendar(
        extra_days_off=days_off,
        makeup_working_days=makeup,
        tz=settings.timezone or DEFAULT_TZ,
    )
