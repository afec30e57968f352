"""The service-rule sections, declared: [followups], [quiet_hours], [digests], [calendar].

Their defaults are the handlers' rules (``FollowUpRules``, ``DigestRules``); each section
hands on those plain frozen objects, since handlers/ imports no pydantic.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator

from bot.config_model import ClockTime, Found, Section, problem
from handlers.policy import DIGEST_DAYS, DigestRules, FollowUpRules
from handlers.workdays import ExtraDays

_FOLLOW = FollowUpRules()
_DIGESTS = DigestRules()


class FollowUpsSection(Section):
    """[followups]: reminders, the return visit, the automatic close, the digests' times."""

    remind_before_hours: int = Field(_FOLLOW.remind_before_hours, ge=0, le=72)
    # The old name of [alarm_ladder] realert_minutes: checked by bot.config_ladder.
    urgent_realert_minutes: Any = None
    visit_at: ClockTime = _FOLLOW.visit_at
    autoclose_working_days: int = Field(_FOLLOW.autoclose_working_days, ge=1, le=30)
    daily_digest_at: ClockTime = _FOLLOW.daily_digest_at
    weekly_digest_weekday: int = Field(_FOLLOW.weekly_digest_weekday, ge=1, le=7)
    weekly_digest_at: ClockTime = _FOLLOW.weekly_digest_at


class QuietHoursSection(Section):
    """[quiet_hours]: no routine follow-up from ``start`` until ``end`` (may span midnight)."""

    start: ClockTime = _FOLLOW.quiet_start
    end: ClockTime = _FOLLOW.quiet_end


def follow_up_rules(f: FollowUpsSection, q: QuietHoursSection) -> FollowUpRules:
    """The handlers' follow-up rules from the two sections."""
    return FollowUpRules(
        remind_before_hours=f.remind_before_hours,
        visit_at=f.visit_at,
        autoclose_working_days=f.autoclose_working_days,
        quiet_start=q.start,
        quiet_end=q.end,
        daily_digest_at=f.daily_digest_at,
        weekly_digest_weekday=f.weekly_digest_weekday,
        weekly_digest_at=f.weekly_digest_at,
    )


class DigestsSection(Section):
    """[digests]: on which days the digests go out, what a long downtime is."""

    daily: str = _DIGESTS.daily
    weekly: str = _DIGESTS.weekly
    long_downtime_hours: int = Field(
        int(_DIGESTS.long_downtime.total_seconds() // 3600), ge=1, le=720
    )

    @field_validator("daily", "weekly")
    @classmethod
    def _one_of(cls, value: str, info: ValidationInfo) -> str:
        if value and value not in DIGEST_DAYS:
            raise problem(f"{value!r} 不是可选的值", "写以下之一：" + "、".join(DIGEST_DAYS))
        return value or str(getattr(_DIGESTS, str(info.field_name)))  # empty: the default

    def rules(self) -> DigestRules:
        """The handlers' digest rules."""
        return DigestRules(
            daily=self.daily,
            weekly=self.weekly,
            long_downtime=timedelta(hours=self.long_downtime_hours),
        )


def _day_list(value: Any) -> Any:
    if not isinstance(value, list):
        raise problem("应当是日期列表", '写成 {key} = ["2027-02-05", "2027-02-06"]')
    return value


def _day(item: Any) -> Any:
    if isinstance(item, date) and not isinstance(item, datetime):
        return item
    try:
        return date.fromisoformat(str(item).strip())
    except ValueError:
        raise problem(
            f"{item!r} 不是日期", '写成 "2027-02-05" 这样的格式', list_item=True
        ) from None


Days = Annotated[list[Annotated[date, BeforeValidator(_day)]], BeforeValidator(_day_list)]


class CalendarSection(Section):
    """[calendar]: holidays and adjusted working days the calendar package does not know yet."""

    holidays: Days = Field(default_factory=list)
    workdays: Days = Field(default_factory=list)

    def cross(self, context: Mapping[str, Any]) -> list[Found]:
        """A day is a holiday or an adjusted working day, not both."""
        both = sorted(set(self.holidays or ()) & set(self.workdays or ()))
        if not both:
            return []
        days = "、".join(str(d) for d in both)
        return [((), f"{days} 同时写在 holidays 和 workdays 里", "只保留其中一处")]

    def days(self) -> ExtraDays:
        """The extra days for ``handlers.workdays``."""
        return ExtraDays(holidays=frozenset(self.holidays), workdays=frozenset(self.workdays))
