"""Working days: National Day, adjusted working weekends, and years without holiday data."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from handlers.workdays import add_working_days, is_workday

SH = ZoneInfo("Asia/Shanghai")
EOD = time(18, 0)


def test_national_day_2026_is_skipped() -> None:
    # 2026-09-30 (Wed) is a working day; 10-01..10-07 are the National Day holiday and
    # 10-10 (Sat) is an adjusted working day.
    start = datetime(2026, 9, 30, 10, 0, tzinfo=SH)
    assert add_working_days(start, 1, EOD) == datetime(2026, 10, 8, 18, 0, tzinfo=SH)
    assert add_working_days(start, 3, EOD) == datetime(2026, 10, 10, 18, 0, tzinfo=SH)
    assert is_workday(date(2026, 10, 10)) and not is_workday(date(2026, 10, 5))


def test_ordinary_week_and_weekend_report() -> None:
    thursday = datetime(2026, 11, 26, 9, 0, tzinfo=SH)
    assert add_working_days(thursday, 3, EOD) == datetime(2026, 12, 1, 18, 0, tzinfo=SH)
    saturday = datetime(2026, 11, 28, 9, 0, tzinfo=SH)
    assert add_working_days(saturday, 1, EOD) == datetime(2026, 11, 30, 18, 0, tzinfo=SH)
    assert add_working_days(saturday, 0, EOD) == datetime(2026, 11, 30, 18, 0, tzinfo=SH)


def test_year_without_holiday_data_counts_weekdays() -> None:
    friday = datetime(2027, 3, 5, 9, 0, tzinfo=SH)
    assert add_working_days(friday, 1, EOD) == datetime(2027, 3, 8, 18, 0, tzinfo=SH)
