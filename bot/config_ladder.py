"""The [alarm_ladder] section: when an unanswered urgent ticket is alarmed again, and to whom."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from bot.config_schema import SchemaReader
from handlers.ladder import DAY_MINUTES, AlarmLadder

LADDER_KEYS = (
    "realert_minutes",
    "secretary_minutes",
    "street_minutes",
    "repeat_minutes",
    "daily_cap",
    "claimed_remind_minutes",
    "claimed_reminders",
    "claimed_remind",
    "street_contact_id",
    "street_contact_name",
)
# The old name of realert_minutes, still read from [followups].
OLD_REALERT = ("followups", "urgent_realert_minutes")
REMIND_WAYS = {"private": True, "group": False}


def read_ladder(r: SchemaReader, raw: dict[str, Any]) -> AlarmLadder:
    """The [alarm_ladder] section; ``[followups] urgent_realert_minutes`` is its old first rung."""
    a = r.table("alarm_ladder", raw, LADDER_KEYS)
    d = AlarmLadder()
    old_section = raw.get(OLD_REALERT[0], {})
    first_key = "alarm_ladder.realert_minutes"
    if isinstance(old_section, dict) and OLD_REALERT[1] in old_section:
        if "realert_minutes" in a:
            r.problem(
                "followups.urgent_realert_minutes",
                "和 alarm_ladder.realert_minutes 重复",
                "删掉 [followups] 里的这一行，只写 [alarm_ladder] realert_minutes",
            )
        else:
            a = {**a, "realert_minutes": old_section[OLD_REALERT[1]]}
            first_key = "followups.urgent_realert_minutes"

    def minutes(key: str, where: str, default: int, low: int, high: int) -> int:
        return r.integer(where, a, key, default, low, high)

    day = DAY_MINUTES - 1
    realert = minutes("realert_minutes", first_key, d.realert_minutes, 1, day)
    secretary = minutes(
        "secretary_minutes", "alarm_ladder.secretary_minutes", d.secretary_minutes, 1, day
    )
    street = minutes("street_minutes", "alarm_ladder.street_minutes", d.street_minutes, 1, day)
    rungs = [
        (first_key, realert),
        ("alarm_ladder.secretary_minutes", secretary),
        ("alarm_ladder.street_minutes", street),
    ]
    for (low_key, low), (high_key, high) in pairwise(rungs):
        if high <= low:
            r.problem(
                high_key,
                f"{high} 分钟不晚于 {low_key} 的 {low} 分钟",
                "三级依次变晚：再提醒 < 升级到书记 < 上报街道，例如 15、30、60",
            )
    way = r.string("alarm_ladder.claimed_remind", a, "claimed_remind", "private")
    if way not in REMIND_WAYS:
        r.problem(
            "alarm_ladder.claimed_remind",
            f"{way!r} 不是提醒方式",
            '写 "private"（私聊接手的人）或 "group"（在六方群里 @ 他）',
        )
    contact = r.string("alarm_ladder.street_contact_id", a, "street_contact_id", "")
    name = r.string("alarm_ladder.street_contact_name", a, "street_contact_name", "")
    if contact and not name:
        r.problem(
            "alarm_ladder.street_contact_name", "写了联系人 id 却没有名称", '例如 "街道应急值班室"'
        )
    return AlarmLadder(
        realert_minutes=realert,
        secretary_minutes=secretary,
        street_minutes=street,
        repeat_minutes=minutes(
            "repeat_minutes", "alarm_ladder.repeat_minutes", d.repeat_minutes, 30, DAY_MINUTES
        ),
        daily_cap=_daily_cap(r, a, d.daily_cap),
        claimed_remind_minutes=minutes(
            "claimed_remind_minutes",
            "alarm_ladder.claimed_remind_minutes",
            d.claimed_remind_minutes,
            5,
            DAY_MINUTES,
        ),
        claimed_reminders=minutes(
            "claimed_reminders", "alarm_ladder.claimed_reminders", d.claimed_reminders, 0, 5
        ),
        claimed_remind_private=REMIND_WAYS.get(way, True),
        street_contact_id=contact,
        street_contact_name=name or d.street_contact_name,
    )


def _daily_cap(r: SchemaReader, a: dict[str, Any], default: int) -> int:
    cap = a.get("daily_cap", default)
    if isinstance(cap, int) and not isinstance(cap, bool) and cap < 3:
        r.problem(
            "alarm_ladder.daily_cap",
            f"每天 {cap} 次太少，第一天的三级（再提醒、升级到书记、上报街道）发不全",
            "取 3 到 24 之间的数，默认 6",
        )
        return default
    return r.integer("alarm_ladder.daily_cap", a, "daily_cap", default, 3, 24)
