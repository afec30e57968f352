"""Dates and times as people write them in chat: 12月3日 15:00, 2026-12-03, 下周四 下午3点."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

# A month-day without a year that lies this far back means next year (1月5日, said in
# December); nearer past dates stay in this year and are refused as past by the caller.
_NEXT_YEAR_AFTER = timedelta(days=60)

_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAYS.update({str(n): n - 1 for n in range(1, 8)})
_RELATIVE = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3}
_CN_HOURS = {"十二": 12, "十一": 11, "十": 10, "两": 2}
_CN_HOURS.update({d: i for i, d in enumerate("零一二三四五六七八九") if i})

_SEP = r"[\s,，]*"
_FULL = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_MONTH_DAY = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?|(\d{1,2})/(\d{1,2})(?![/\d])")
_REL = re.compile("(" + "|".join(sorted(_RELATIVE, key=len, reverse=True)) + ")")
_WEEK = re.compile(r"(下下|下|本|这)?\s*(?:周|星期|礼拜)([一二三四五六日天1-7])")
_HOUR = r"(\d{1,2}|十[一二]?|[一二两三四五六七八九])"
_TIME = re.compile(
    r"(上午|早上|早晨|中午|下午|晚上)?\s*" + _HOUR + r"\s*"
    r"(?:[:：]\s*(\d{2})|[点时]\s*(?:(半)|(\d{1,2})\s*分?)?)"
)


def parse_day(text: str, today: date) -> tuple[date, int] | None:
    """The date at the start of ``text`` and where it ends; None for none or no such day."""
    s = len(text) - len(text.lstrip())
    if m := _FULL.match(text, s):
        found = _date(int(m[1]), int(m[2]), int(m[3]))
        return (found, m.end()) if found else None
    if m := _MONTH_DAY.match(text, s):
        month, day = int(m[1] or m[3]), int(m[2] or m[4])
        found = _date(today.year, month, day)
        if found is not None and today - found > _NEXT_YEAR_AFTER:
            found = _date(today.year + 1, month, day)
        return (found, m.end()) if found else None
    if m := _REL.match(text, s):
        return today + timedelta(days=_RELATIVE[m[1]]), m.end()
    if m := _WEEK.match(text, s):
        weekday = _WEEKDAYS[m[2]]
        monday = today - timedelta(days=today.weekday())
        if m[1] in ("本", "这"):
            return monday + timedelta(days=weekday), m.end()
        if m[1]:
            weeks = 2 if m[1] == "下下" else 1
            return monday + timedelta(weeks=weeks, days=weekday), m.end()
        # A bare 周四 is the coming Thursday, today included.
        return today + timedelta(days=(weekday - today.weekday()) % 7), m.end()
    return None


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None  # 2月30日: reported as unreadable, not as a crash


def parse_time(text: str, start: int = 0) -> tuple[time, int] | None:
    """The clock time at ``start`` in ``text`` (15:00, 下午3点, 3点半) and where it ends."""
    m = _TIME.match(text, start + len(text[start:]) - len(text[start:].lstrip()))
    if m is None:
        return None
    hour = int(m[2]) if m[2].isdigit() else _CN_HOURS[m[2]]
    minute = 30 if m[4] else int(m[3] or m[5] or 0)
    if (m[1] in ("下午", "晚上") and hour < 12) or (m[1] == "中午" and hour < 11):
        hour += 12
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute), m.end()


def parse_moment(text: str, now: datetime, default: time) -> tuple[datetime, str] | None:
    """A date and/or time at the start of ``text`` in ``now``'s zone, and the text after it.

    A day without a time takes ``default``; a time without a day means today. None when the
    text starts with neither, or the date does not exist.
    """
    day = parse_day(text, now.date())
    pos = day[1] if day else 0
    clock = parse_time(text, pos)
    if day is None and clock is None:
        return None
    when = datetime.combine(
        day[0] if day else now.date(), clock[0] if clock else default, tzinfo=now.tzinfo
    )
    rest = text[clock[1] if clock else pos :]
    return when, rest.strip(" \t,，。:：")


def parse_deadline(text: str, today: date) -> date | None:
    """A deadline day such as ``12月20日`` or ``12月20日前``; None when not only a day."""
    found = parse_day(text, today)
    if found is None:
        return None
    tail = text[found[1] :].strip(" \t,，。.")
    return found[0] if tail in ("", "前", "之前", "以前", "为止") else None
