"""Working days by the Chinese calendar: public holidays and adjusted working weekends."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import chinese_calendar

log = logging.getLogger(__name__)
_warned_years: set[int] = set()


@dataclass(frozen=True, slots=True)
class ExtraDays:
    """Holidays and adjusted working days from config, for years the package does not know yet.

    The State Council publishes next year's holidays in the autumn; until a release of
    ``chinesecalendar`` carries them, ``[calendar]`` in the config can.
    """

    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)


_extra = ExtraDays()
_version = 0


def use_extra_days(extra: ExtraDays) -> None:
    """Make ``extra`` part of the calendar (it is the country's, so one for the process)."""
    global _extra, _version
    if extra != _extra:
        _extra = extra
        _version += 1


def calendar_version() -> int:
    """Changes whenever :func:`use_extra_days` changes the calendar (a key for caches)."""
    return _version


def is_workday(day: date) -> bool:
    """True on a working day; beyond the calendar's known years, Monday to Friday.

    Days in ``[calendar]`` of the config win over the package's own data.
    """
    if day in _extra.holidays:
        return False
    if day in _extra.workdays:
        return True
    try:
        return _package_workday(day)
    except NotImplementedError:
        # The State Council publishes next year's holidays in the autumn; until the package
        # knows them we fall back to weekdays rather than refuse to compute a deadline.
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning("no holiday data for %s; counting Monday–Friday as working days", day.year)
        return day.weekday() < 5


@lru_cache(maxsize=4096)
def _package_workday(day: date) -> bool:
    """The package's answer, remembered (its data never changes in a process): each of its
    calls takes the min and max of every holiday it knows, a third of a million CPU
    instructions, and every new small ticket's deadline asks for a few days. A year it does
    not know raises each time, as the package does (nothing is remembered then)."""
    return bool(chinese_calendar.is_workday(day))


@lru_cache(maxsize=4096)
def _package_holiday(day: date) -> tuple[bool, str | None]:
    """The package's holiday detail of ``day``, remembered as :func:`_package_workday`."""
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    return bool(on_holiday), name


def is_public_holiday(day: date) -> bool:
    """True on a public holiday (National Day, Spring Festival…), weekend or not; False on an
    ordinary weekend, and beyond the calendar's known years unless ``[calendar]`` lists it."""
    if day in _extra.holidays:
        return True
    if day in _extra.workdays:
        return False
    try:
        on_holiday, name = _package_holiday(day)
    except NotImplementedError:
        return False
    return bool(on_holiday and name)


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
