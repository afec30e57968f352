"""Service rules from config: deadlines, the hall, duplicate merging, follow-ups, quiet hours,
the alarm ladder."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from functools import lru_cache

from handlers.ladder import AlarmLadder
from handlers.workdays import add_working_days, is_public_holiday, is_workday

WEEKDAYS_CN = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@dataclass(frozen=True, slots=True)
class Deadlines:
    """How long each class of ticket may take (接诉即办 service levels)."""

    small_response_days: int = 1
    small_resolve_days: int = 3
    urgent_ack_minutes: int = 15
    urgent_resolve_hours: int = 24
    workday_end: time = time(18, 0)

    def due(self, klass: str, now: datetime) -> datetime | None:
        """When a ticket of ``klass`` filed at ``now`` must be resolved; None for the hall."""
        if klass == "urgent":
            return now + timedelta(hours=self.urgent_resolve_hours)
        if klass == "small":
            return add_working_days(now, self.small_resolve_days, self.workday_end)
        return None  # a difficult ticket's deadline is set by the hall's resolution


@dataclass(frozen=True, slots=True)
class HallSchedule:
    """A community's recurring deliberation-hall (议事厅) meeting.

    ``on_holiday`` says what happens when the regular day is a public holiday (by the Chinese
    calendar; a hall that meets on Saturdays keeps its ordinary Saturdays): ``next_workday``
    (the default) and ``previous_workday`` move the meeting to that working day, same time;
    ``skip`` drops that week's meeting; ``keep`` holds it anyway.
    """

    weekday: int = 4  # 1 = Monday … 7 = Sunday
    at: time = time(15, 0)
    place: str = "社区议事厅"
    on_holiday: str = "next_workday"

    def next_meeting(self, now: datetime) -> datetime:
        """The first meeting strictly after ``now``, moved off non-working days by the rule."""
        days = (self.weekday - 1 - now.weekday()) % 7
        slot = datetime.combine(now.date() + timedelta(days=days), self.at, tzinfo=now.tzinfo)
        if slot <= now:
            slot += timedelta(days=7)
        for _ in range(60):  # a long holiday can swallow a few weeks' slots, never a year
            meeting = self.held_at(slot)
            if meeting is not None and meeting > now:
                return meeting
            slot += timedelta(days=7)
        return slot

    def held_at(self, slot: datetime) -> datetime | None:
        """When the meeting of the regular ``slot`` is held; None when it is skipped."""
        if self.keeps(slot):
            return slot
        if self.on_holiday == "skip":
            return None
        step = timedelta(days=-1 if self.on_holiday == "previous_workday" else 1)
        day = slot.date() + step
        while not is_workday(day):
            day += step
        return datetime.combine(day, self.at, tzinfo=slot.tzinfo)

    def keeps(self, starts_at: datetime) -> bool:
        """False for a regular meeting on a public holiday that the rule moves or skips."""
        return self.on_holiday == "keep" or not is_public_holiday(starts_at.date())


@dataclass(frozen=True, slots=True)
class FollowUpRules:
    """When the bot reminds, escalates, visits and stays quiet."""

    remind_before_hours: int = 4  # 催办 this long before a deadline
    visit_at: time = time(9, 30)  # 回访 on the working day after resolution, at this time
    autoclose_working_days: int = 3  # no rating after the visit for this long: closed
    quiet_start: time = time(22, 0)  # no non-urgent follow-up from …
    quiet_end: time = time(7, 30)  # … until
    daily_digest_at: time = time(8, 0)
    weekly_digest_weekday: int = 1  # 1 = Monday
    weekly_digest_at: time = time(8, 30)

    def is_quiet(self, dt: datetime) -> bool:
        """True inside the quiet hours (which may span midnight)."""
        t = dt.timetz().replace(tzinfo=None)
        if self.quiet_start <= self.quiet_end:
            return self.quiet_start <= t < self.quiet_end
        return t >= self.quiet_start or t < self.quiet_end

    def quiet_over(self, dt: datetime) -> datetime:
        """The first moment at or after ``dt`` outside the quiet hours."""
        if not self.is_quiet(dt):
            return dt
        end = datetime.combine(dt.date(), self.quiet_end, tzinfo=dt.tzinfo)
        return end if end > dt else end + timedelta(days=1)


DIGEST_DAYS = ("workdays", "every_day", "off")
HALL_HOLIDAY_RULES = ("next_workday", "previous_workday", "skip", "keep")


@dataclass(frozen=True, slots=True)
class DigestRules:
    """On which days the daily brief and the weekly report go out, and what a long downtime is.

    ``daily``: ``workdays`` (working days by the Chinese calendar), ``every_day`` or ``off``.
    ``weekly``: ``workdays`` (a report day that is a holiday moves to the next working day),
    ``every_day`` (always on the configured weekday) or ``off``. After ``long_downtime``
    without running, the bot posts one short line instead of the digests it missed.
    """

    daily: str = "workdays"
    weekly: str = "workdays"
    long_downtime: timedelta = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Policy:
    """All configurable service rules, injected into handlers."""

    deadlines: Deadlines = field(default_factory=Deadlines)
    halls: dict[str, HallSchedule] = field(default_factory=dict)  # by community code
    duplicate_window_hours: int = 72
    duplicate_similarity: float = 0.34
    followups: FollowUpRules = field(default_factory=FollowUpRules)
    digests: DigestRules = field(default_factory=DigestRules)
    ladder: AlarmLadder = field(default_factory=AlarmLadder)

    def hall(self, community_code: str) -> HallSchedule:
        """The hall schedule of a community (the default when not configured)."""
        return self.halls.get(community_code, HallSchedule())


def when(dt: datetime, tz: tzinfo | None = None) -> str:
    """A short Chinese date-time such as ``12月1日（周二）18:00``, in ``tz`` when given."""
    if tz is None or dt.tzinfo is None:
        return _fields(dt.astimezone(tz) if tz is not None else dt)
    return _when_in(dt, tz)


@lru_cache(maxsize=1024)
def _when_in(moment: datetime, tz: tzinfo) -> str:
    # By the moment and the zone (equal moments read alike in one zone, whatever zone they
    # came in): deadlines fall at a working day's end, so a sweep formats the same few moments
    # for thousands of tickets, and the conversion to the zone cost most of it.
    return _fields(moment.astimezone(tz))


def _fields(local: datetime) -> str:
    # The fields, not strftime's %H:%M: a sweep writes thousands and strftime cost most of it.
    weekday = WEEKDAYS_CN[local.weekday()]
    return f"{local.month}月{local.day}日（{weekday}）{local.hour:02d}:{local.minute:02d}"
