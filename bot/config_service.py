"""The service-rule sections, declared: [followups], [quiet_hours], [digests], [calendar].

Their defaults are the handlers' rules (``FollowUpRules``, ``DigestRules``); each section
hands on those plain frozen objects, since handlers/ imports no pydantic.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from bot.config_model import ClockTime, Found, Section, blank_is_default, one_of, plain, problem
from handlers.policy import DIGEST_DAYS, DigestRules, FollowUpRules
from handlers.workdays import ExtraDays

_FOLLOW = FollowUpRules()
_DIGESTS = DigestRules()
_DAYS = one_of(DIGEST_DAYS, "{!r} 不是可选的值")


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
    return plain(f, FollowUpRules, quiet_start=q.start, quiet_end=q.end)


class DigestsSection(Section):
    """[digests]: on which days the digests go out, what a long downtime is."""

    daily: Annotated[str, _DAYS] = blank_is_default(_DIGESTS.daily)
    weekly: Annotated[str, _DAYS] = blank_is_default(_DIGESTS.weekly)
    long_downtime_hours: int = Field(
        int(_DIGESTS.long_downtime.total_seconds() // 3600), ge=1, le=720
    )

    def rules(self) -> DigestRules:
        """The handlers' digest rules."""
        return plain(self, DigestRules, long_downtime=timedelta(hours=self.long_downtime_hours))


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
        both = sorted((set(self.holidays or ()) & set(self.workdays or ())) - {None})
        if not both:
            return []
        days = "、".join(str(d) for d in both)
        return [((), f"{days} 同时写在 holidays 和 workdays 里", "只保留其中一处")]

    def days(self) -> ExtraDays:
        """The extra days for ``handlers.workdays``."""
        return ExtraDays(holidays=frozenset(self.holidays), workdays=frozenset(self.workdays))
