"""Clocks: the real one, and one the console can move for scripted demonstrations."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.policy import WEEKDAYS_CN

TimeTravel = Callable[[datetime], Awaitable[None]]
MAX_TRAVEL = timedelta(days=30)  # the longest one /advance or /time may move the clock forward

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
        if len(number) > 7:  # 9999999999d is no duration: timedelta would overflow
            return None
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


async def time_command(line: str, clock: TravelClock, travel: TimeTravel) -> str:
    """Carry out ``/time 2026-12-03 09:00`` or ``/advance 2h``; returns what to show.

    Shared by every channel a person can type into (console, simulator).
    """
    word, _, arg = line.strip().partition(" ")
    now = clock()
    if word == "/time":
        moment = parse_moment(arg)
        if moment is None:
            return "格式：/time 2026-12-03 09:00"
        target = moment.replace(tzinfo=now.tzinfo)
    else:
        delta = parse_duration(arg)
        if delta is None:
            return "格式：/advance 2h（也可以 30m、1d、1d2h）"
        target = now + delta
    if abs(target - now) > MAX_TRAVEL:
        return f"一次最多调 {MAX_TRAVEL.days} 天；请分几次，例如 /advance 7d"
    if target < now:
        clock.set(target)  # going back runs nothing: what is done stays done
    else:
        try:
            await travel(target)
        except PermissionError:
            return "已连接真实微信，不能调时间。"
    t = clock()
    return f"[时间] 现在是 {t:%Y-%m-%d %H:%M}（{WEEKDAYS_CN[t.weekday()]}）"
