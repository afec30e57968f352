"""The [communities.hall] reader; the web and delivery settings' old import path."""

from __future__ import annotations

from datetime import time
from typing import Any

from bot.config_schema import SchemaReader
from bot.config_sections import DeliverySettings as DeliverySettings  # where callers look
from bot.config_web import WebSettings as WebSettings
from bot.config_web import WebUser as WebUser
from handlers.policy import (
    HALL_HOLIDAY_RULES,
    HallSchedule,
)


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
