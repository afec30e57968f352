"""Readers for the service-rule sections of the config: deadlines, hall, follow-ups, delivery."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.config_schema import SchemaReader
from bot.config_sections import DeliverySettings as DeliverySettings  # where callers look
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


@dataclass(frozen=True, slots=True)
class WebUser:
    """A person who may log in to the dashboard."""

    username: str
    password_hash: str  # scrypt$… from `liufang hash-password`
    name: str
    role: str  # secretary | committee | … (the six parties)
    community: str  # community code; "*" for the district (every community)
    disabled: bool = False  # kept on record, may not log in


@dataclass(frozen=True, slots=True)
class WebSettings:
    """The web server: where it listens, who may log in, the Open311 key."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 8080
    session_minutes: int = 120
    open311_api_key: str = ""
    users: tuple[WebUser, ...] = ()
    # How the public reaches the server (https://bot.example.org); Open311 discovery names it.
    public_url: str = ""


def read_web(
    r: SchemaReader, raw: dict[str, Any], communities: set[str], roles: set[str]
) -> WebSettings:
    """The [web] section and its [[web.users]]."""
    w = r.table(
        "web",
        raw,
        (
            "enabled",
            "host",
            "port",
            "public_url",
            "session_minutes",
            "open311_api_key",
            "admin_token",
            "users",
        ),
    )
    enabled = w.get("enabled", True)
    if not isinstance(enabled, bool):
        r.problem("web.enabled", f"{enabled!r} 不是 true/false", "写 enabled = true 或 false")
        enabled = True
    users = []
    for i, u in enumerate(r.table_list("web.users", w, key="users")):
        where = f"web.users[{i}]"
        r.known_keys(
            where, u, ("username", "password_hash", "name", "role", "community", "disabled")
        )
        username = r.string(f"{where}.username", u, "username", "", required=True)
        password_hash = r.string(f"{where}.password_hash", u, "password_hash", "", required=True)
        if password_hash and not password_hash.startswith("scrypt$"):
            r.problem(
                f"{where}.password_hash",
                "不是密码哈希（不要写明文密码）",
                "用 liufang hash-password 生成后粘贴",
            )
        role = r.string(f"{where}.role", u, "role", "committee")
        if role not in roles:
            r.problem(
                f"{where}.role",
                f"{role!r} 不能登录后台",
                f"写以下之一：{', '.join(sorted(roles))}",
            )
        community = r.string(f"{where}.community", u, "community", "", required=True)
        if community and community != "*" and community not in communities:
            r.problem(
                f"{where}.community",
                f"没有代码为 {community!r} 的社区",
                '写社区的 code，或 "*"（全街道）',
            )
        name = r.string(f"{where}.name", u, "name", "") or username
        disabled = u.get("disabled", False)
        if not isinstance(disabled, bool):
            r.problem(f"{where}.disabled", f"{disabled!r} 不是 true/false", "写 true 或删掉这一行")
            disabled = False
        users.append(WebUser(username, password_hash, name, role, community, disabled))
    public_url = r.string("web.public_url", w, "public_url", "").strip()
    if public_url and not re.fullmatch(r"https?://[^\s/?#@]+(?:/[^\s?#]*)?", public_url):
        r.problem(
            "web.public_url",
            f"{public_url!r} 不是网址",
            '写居民访问本服务的地址，例如 "https://bot.example.org"',
        )
        public_url = ""
    return WebSettings(
        enabled=enabled,
        host=r.string("web.host", w, "host", "127.0.0.1") or "127.0.0.1",
        port=r.integer("web.port", w, "port", 8080, 0, 65535),
        session_minutes=r.integer("web.session_minutes", w, "session_minutes", 120, 5, 24 * 60),
        open311_api_key=r.string("web.open311_api_key", w, "open311_api_key", ""),
        users=tuple(users),
        public_url=public_url,
    )


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
