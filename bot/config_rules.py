"""Readers for the service-rule sections of the config: deadlines, hall, follow-ups, delivery."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from bot.config_schema import SchemaReader
from bot.config_sections import DeliverySettings as DeliverySettings  # where callers look
from bot.config_web import WebSettings as WebSettings
from bot.config_web import WebUser as WebUser
from handlers.policy import (
    DIGEST_DAYS,
    HALL_HOLIDAY_RULES,
    DigestRules,
    FollowUpRules,
    HallSchedule,
)
from handlers.workdays import ExtraDays


def read_hall(r: SchemaReader, where: str, item: dict[str, Any]) -> HallSchedule:
    h = r.table("hall", item, ("weekday", "time", "place", "on_holiday"), where=f"{where}.hall")
    return HallSchedule(
        weekday=r.integer(f"{where}.hall.weekday", h, "weekday", 4, 1, 7),
        at=r.clock_time(f"{where}.hall.time", h, "time", time(15, 0)),
        place=r.string(f"{where}.hall.place", h, "place", "社区议事厅") or "社区议事厅",
        on_holiday=_choice(
            r, f"{where}.hall.on_holiday", h, "on_holiday", "next_workday", HALL_HOLIDAY_RULES
        ),
    )


def read_digests(r: SchemaReader, raw: dict[str, Any]) -> DigestRules:
    """The [digests] section: on which days the digests go out, what a long downtime is."""
    d = r.table("digests", raw, ("daily", "weekly", "long_downtime_hours"))
    return DigestRules(
        daily=_choice(r, "digests.daily", d, "daily", "workdays", DIGEST_DAYS),
        weekly=_choice(r, "digests.weekly", d, "weekly", "workdays", DIGEST_DAYS),
        long_downtime=timedelta(
            hours=r.integer("digests.long_downtime_hours", d, "long_downtime_hours", 24, 1, 720)
        ),
    )


def read_calendar(r: SchemaReader, raw: dict[str, Any]) -> ExtraDays:
    """The [calendar] section: holidays and adjusted working days the calendar package lacks."""
    c = r.table("calendar", raw, ("holidays", "workdays"))
    holidays = _dates(r, "calendar.holidays", c, "holidays")
    workdays = _dates(r, "calendar.workdays", c, "workdays")
    for day in sorted(holidays & workdays):
        r.problem("calendar", f"{day} 同时写在 holidays 和 workdays 里", "只保留其中一处")
    return ExtraDays(holidays=frozenset(holidays), workdays=frozenset(workdays))


def _dates(r: SchemaReader, where: str, table: dict[str, Any], key: str) -> set[date]:
    found: set[date] = set()
    value = table.get(key, [])
    if not isinstance(value, list):
        r.problem(where, "应当是日期列表", f'写成 {key} = ["2027-02-05", "2027-02-06"]')
        return found
    for item in value:
        if isinstance(item, date) and not isinstance(item, datetime):
            found.add(item)
            continue
        try:
            found.add(date.fromisoformat(str(item).strip()))
        except ValueError:
            r.problem(where, f"{item!r} 不是日期", '写成 "2027-02-05" 这样的格式')
    return found


def _choice(
    r: SchemaReader,
    where: str,
    table: dict[str, Any],
    key: str,
    default: str,
    allowed: tuple[str, ...],
) -> str:
    value = r.string(where, table, key, default) or default
    if value not in allowed:
        r.problem(where, f"{value!r} 不是可选的值", "写以下之一：" + "、".join(allowed))
        return default
    return value


def read_followups(r: SchemaReader, raw: dict[str, Any]) -> FollowUpRules:
    """The [followups] and [quiet_hours] sections."""
    f = r.table(
        "followups",
        raw,
        (
            "remind_before_hours",
            "urgent_realert_minutes",  # the old name of [alarm_ladder] realert_minutes
            "visit_at",
            "autoclose_working_days",
            "daily_digest_at",
            "weekly_digest_weekday",
            "weekly_digest_at",
        ),
    )
    q = r.table("quiet_hours", raw, ("start", "end"))
    d = FollowUpRules()
    return FollowUpRules(
        remind_before_hours=r.integer(
            "followups.remind_before_hours", f, "remind_before_hours", 4, 0, 72
        ),
        visit_at=r.clock_time("followups.visit_at", f, "visit_at", d.visit_at),
        autoclose_working_days=r.integer(
            "followups.autoclose_working_days", f, "autoclose_working_days", 3, 1, 30
        ),
        quiet_start=r.clock_time("quiet_hours.start", q, "start", d.quiet_start),
        quiet_end=r.clock_time("quiet_hours.end", q, "end", d.quiet_end),
        daily_digest_at=r.clock_time(
            "followups.daily_digest_at", f, "daily_digest_at", d.daily_digest_at
        ),
        weekly_digest_weekday=r.integer(
            "followups.weekly_digest_weekday", f, "weekly_digest_weekday", 1, 1, 7
        ),
        weekly_digest_at=r.clock_time(
            "followups.weekly_digest_at", f, "weekly_digest_at", d.weekly_digest_at
        ),
    )
