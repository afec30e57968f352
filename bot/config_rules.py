"""Readers for the service-rule sections of the config: deadlines, hall, follow-ups, delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

from bot.config_schema import SchemaReader
from handlers.policy import Deadlines, FollowUpRules, HallSchedule


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    """How fast the bot may send, so the WeChat account is not restricted for flooding."""

    per_room_per_minute: int = 6
    global_per_minute: int = 20
    max_message_chars: int = 1500
    retry_max_minutes: int = 10


def read_deadlines(r: SchemaReader, raw: dict[str, Any]) -> Deadlines:
    keys = (
        "small_response_days",
        "small_resolve_days",
        "urgent_ack_minutes",
        "urgent_resolve_hours",
        "workday_end",
    )
    d = r.table("deadlines", raw, keys)
    return Deadlines(
        small_response_days=r.integer(
            "deadlines.small_response_days", d, "small_response_days", 1, 0, 30
        ),
        small_resolve_days=r.integer(
            "deadlines.small_resolve_days", d, "small_resolve_days", 3, 1, 60
        ),
        urgent_ack_minutes=r.integer(
            "deadlines.urgent_ack_minutes", d, "urgent_ack_minutes", 15, 1, 240
        ),
        urgent_resolve_hours=r.integer(
            "deadlines.urgent_resolve_hours", d, "urgent_resolve_hours", 24, 1, 240
        ),
        workday_end=r.clock_time("deadlines.workday_end", d, "workday_end", time(18, 0)),
    )


def read_hall(r: SchemaReader, where: str, item: dict[str, Any]) -> HallSchedule:
    h = r.table("hall", item, ("weekday", "time", "place"), where=f"{where}.hall")
    return HallSchedule(
        weekday=r.integer(f"{where}.hall.weekday", h, "weekday", 4, 1, 7),
        at=r.clock_time(f"{where}.hall.time", h, "time", time(15, 0)),
        place=r.string(f"{where}.hall.place", h, "place", "社区议事厅") or "社区议事厅",
    )


def read_followups(r: SchemaReader, raw: dict[str, Any]) -> FollowUpRules:
    """The [followups] and [quiet_hours] sections."""
    f = r.table(
        "followups",
        raw,
        (
            "remind_before_hours",
            "urgent_realert_minutes",
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
        urgent_realert_minutes=r.integer(
            "followups.urgent_realert_minutes", f, "urgent_realert_minutes", 15, 1, 240
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


def read_delivery(r: SchemaReader, raw: dict[str, Any]) -> DeliverySettings:
    """The [delivery] section."""
    d = r.table(
        "delivery",
        raw,
        ("per_room_per_minute", "global_per_minute", "max_message_chars", "retry_max_minutes"),
    )
    return DeliverySettings(
        per_room_per_minute=r.integer(
            "delivery.per_room_per_minute", d, "per_room_per_minute", 6, 1, 60
        ),
        global_per_minute=r.integer(
            "delivery.global_per_minute", d, "global_per_minute", 20, 1, 600
        ),
        max_message_chars=r.integer(
            "delivery.max_message_chars", d, "max_message_chars", 1500, 100, 10000
        ),
        retry_max_minutes=r.integer(
            "delivery.retry_max_minutes", d, "retry_max_minutes", 10, 1, 1440
        ),
    )
