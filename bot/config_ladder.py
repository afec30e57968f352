"""The [alarm_ladder] section, declared: when an unanswered urgent ticket is alarmed again.

Defaults are ``handlers.ladder.AlarmLadder``'s. ``[followups] urgent_realert_minutes`` is the
old name of the first rung: :func:`move_old_name` moves it here before validation, and
:func:`old_name_where` reports its mistakes under the name the file uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import Annotated, Any

from pydantic import Field, field_validator

from bot.config_model import Found, Section, one_of, plain, problem
from handlers.ladder import DAY_MINUTES, AlarmLadder

_D = AlarmLadder()
_DAY = DAY_MINUTES - 1
OLD_REALERT = ("followups", "urgent_realert_minutes")
REMIND_WAYS = {"private": True, "group": False}
RUNGS = ("realert_minutes", "secretary_minutes", "street_minutes")
_WAYS = '写 "private"（私聊接手的人）或 "group"（在六方群里 @ 他）'
_GROW = "三级依次变晚：再提醒 < 升级到书记 < 上报街道，例如 15、30、60"


class AlarmLadderSection(Section):
    """[alarm_ladder]: three rungs that grow later, then reminders, capped per day."""

    realert_minutes: int = Field(_D.realert_minutes, ge=1, le=_DAY)
    secretary_minutes: int = Field(_D.secretary_minutes, ge=1, le=_DAY)
    street_minutes: int = Field(_D.street_minutes, ge=1, le=_DAY)
    repeat_minutes: int = Field(_D.repeat_minutes, ge=30, le=DAY_MINUTES)
    daily_cap: int = Field(_D.daily_cap, ge=3, le=24)
    claimed_remind_minutes: int = Field(_D.claimed_remind_minutes, ge=5, le=DAY_MINUTES)
    claimed_reminders: int = Field(_D.claimed_reminders, ge=0, le=5)
    claimed_remind: Annotated[str, one_of(REMIND_WAYS, "{!r} 不是提醒方式", _WAYS)] = "private"
    street_contact_id: str = _D.street_contact_id
    street_contact_name: str = ""

    @field_validator("daily_cap", mode="before")
    @classmethod
    def _enough(cls, cap: Any) -> Any:
        if isinstance(cap, int) and not isinstance(cap, bool) and cap < 3:
            raise problem(
                f"每天 {cap} 次太少，第一天的三级（再提醒、升级到书记、上报街道）发不全",
                "取 3 到 24 之间的数，默认 6",
            )
        return cap

    def cross(self, context: Mapping[str, Any]) -> list[Found]:
        """The rungs grow later; a street contact has a name."""
        found: list[Found] = []
        for low_key, high_key in pairwise(RUNGS):
            low, high = getattr(self, low_key), getattr(self, high_key)
            if None not in (low, high) and high <= low:
                moved = context.get(OLD_REALERT[1]) and low_key == RUNGS[0]
                where = ".".join(OLD_REALERT) if moved else f"alarm_ladder.{low_key}"
                what = f"{high} 分钟不晚于 {where} 的 {low} 分钟"
                found.append(((high_key,), what, _GROW))
        if self.street_contact_id and self.street_contact_name == "":
            found.append(
                (("street_contact_name",), "写了联系人 id 却没有名称", '例如 "街道应急值班室"')
            )
        return found

    def ladder(self) -> AlarmLadder:
        """The handlers' alarm ladder."""
        return plain(
            self,
            AlarmLadder,
            claimed_remind_private=REMIND_WAYS[self.claimed_remind],
            street_contact_name=self.street_contact_name or _D.street_contact_name,
        )


def move_old_name(raw: dict[str, Any]) -> tuple[bool, list[tuple[str, str, str]]]:
    """Move ``[followups] urgent_realert_minutes`` into [alarm_ladder]: whether it was moved,
    and the problem ``(where, what, fix)`` to report when both are given."""
    old = raw.get(OLD_REALERT[0])
    if not isinstance(old, dict) or OLD_REALERT[1] not in old:
        return False, []
    ladder = raw.get("alarm_ladder", {})
    if not isinstance(ladder, dict):
        return False, []
    if "realert_minutes" in ladder:
        return False, [
            (
                ".".join(OLD_REALERT),
                "和 alarm_ladder.realert_minutes 重复",
                "删掉 [followups] 里的这一行，只写 [alarm_ladder] realert_minutes",
            )
        ]
    raw["alarm_ladder"] = {**ladder, "realert_minutes": old[OLD_REALERT[1]]}
    return True, []


def old_name_where(line: str) -> str:
    """A problem line about the moved first rung, under the name the file uses."""
    return line.replace(": alarm_ladder.realert_minutes: ", f": {'.'.join(OLD_REALERT)}: ", 1)
