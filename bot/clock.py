"""Clocks: the real one, and one the console can move for scripted demonstrations."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

_DURATION = re.compile(r"(\d+)\s*(d|h|m|天|小时|分钟|分)", re.IGNORECASE)
_UNITS = {
    "d": "days",
    "天": "days",
    "h": "hours",
    "小时": "hours",
    "m": "minutes",
    "分钟": "minutes",
    "分": "minutes",
}


class TravelClock:
    """Real time plus an offset; ``/time`` and ``/advance`` in the console move it."""

    def __init__(self, tz: ZoneInfo) -> None:
        self._tz = tz
        self._offset = timedelta(0)

    def __call__(self) -> datetime:
        """The current (possibly shifted) time in the configured zone."""
        return datetime.now(self._tz) + self._offset

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (naive values are in the configured zone)."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=self._tz)
        self._offset = when - datetime.now(self._tz)

    def advance(self, delta: timedelta) -> None:
        """Move forward by ``delta``."""
        self._offset += delta


def parse_duration(text: str) -> timedelta | None:
    """``2h``, ``30m``, ``1d2h``, ``3天`` → a timedelta; None when not understood or zero."""
    text = text.strip()
    parts = _DURATION.findall(text)
    if not parts or _DURATION.sub("", text).strip():
        return None
    delta = timedelta()
    for number, unit in parts:
        delta += timedelta(**{_UNITS[unit.lower()]: int(number)})
    return delta or None


def parse_moment(text: str) -> datetime | None:
    """``2026-12-03 09:00`` (or ``2026-12-03T09:00``, or a date alone = 00:00) → naive time."""
    text = text.strip().replace("T", " ")
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None
