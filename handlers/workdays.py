"""Working days by the Chinese calendar: public holidays and adjusted working weekends."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

import chinese_calendar

log = logging.getLogger(__name__)
_warned_years: set[int] = set()


def is_workday(day: date) -> bool:
    """True on a working day; beyond the calendar's known years, Monday to Friday."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        # The State Council publishes next year's holidays in the autumn; until the package
        # knows them we fall back to weekdays rather than refuse to compute a deadline.
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning("no holiday data for %s; counting Monday–Friday as working days", day.year)
        return day.weekday() < 5


def add_working_days(start: datetime, days: int, end_of_day: time) -> datetime:
    """The end of the ``days``-th working day after ``start`` (a deadline, in start's zone).

    A report on Thursday with 3 working days is due on Tuesday at ``end_of_day``; a report
    on a holiday starts counting on the next working day.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = start.date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_workday(day):
            counted += 1
    if days == 0 and not is_workday(day):
        while not is_workday(day):
            day += timedelta(days=1)
    return datetime.combine(day, end_of_day, tzinfo=start.tzinfo)


def next_working_day(start: datetime, at: time) -> datetime:
    """The first working day strictly after ``start``'s date, at ``at``."""
    return add_working_days(start, 1, at)
