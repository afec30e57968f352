"""The deadline arithmetic the planner's rules share: durations, working days, when a ticket
must be answered, and whether it was.

Kept apart from :mod:`handlers.followups.planner` so that the overdue and rate reports can use
the first-response deadline without the planner, and the planner stays one page of rules.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from handlers.policy import Deadlines, Policy
from handlers.workdays import add_working_days, calendar_version

if TYPE_CHECKING:  # the overdue module imports this one
    from handlers.followups.overdue import Deadlined


@cache
def hours(n: int) -> timedelta:
    """``n`` hours, built once: the policy's durations, asked for thousands of tickets a sweep."""
    return timedelta(hours=n)


@cache
def minutes(n: int) -> timedelta:
    """``n`` minutes, built once (see :func:`hours`)."""
    return timedelta(minutes=n)


@lru_cache(maxsize=1024)
def _working_days_after(day: date, days: int, at: time, tz: tzinfo, _calendar: int) -> datetime:
    # By the start's date alone: a sweep asks the same few dates thousands of times. In UTC,
    # as every stored time reads: CPython compares two times of one zone field by field, but
    # asks both zones for their offsets across zones (twice more for ==), several times the cost.
    return add_working_days(datetime.combine(day, time(0), tzinfo=tz), days, at).astimezone(UTC)


def working_days_after(start: datetime, days: int, at: time, tz: tzinfo) -> datetime:
    """``add_working_days`` from ``start`` counted on its date in ``tz`` (local working days);
    the moment in UTC."""
    day = start.astimezone(tz).date()
    return _working_days_after(day, days, at, tz, calendar_version())


# The last answer of response_deadline: (created_at, deadlines, zone, calendar, deadline).
_last_response: tuple[datetime, Deadlines, tzinfo, int, datetime] | None = None


def response_deadline(ticket: Deadlined, deadlines: Deadlines, tz: tzinfo) -> datetime:
    """When a small ticket must have been claimed: working days counted in local time."""
    global _last_response
    created, last = ticket.created_at, _last_response
    # The planner's rules ask it twice for one ticket (its first-response reminder and late
    # notice): the second time is answered from the first, by identity (one tuple, so a
    # thread reads a whole answer or none).
    if (
        last is not None
        and last[0] is created
        and last[1] is deadlines
        and last[2] is tz
        and last[3] == calendar_version()
    ):
        return last[4]
    at = working_days_after(created, deadlines.small_response_days, deadlines.workday_end, tz)
    _last_response = (created, deadlines, tz, calendar_version(), at)
    return at


def urgent_since(ticket: Deadlined, deadlines: Deadlines) -> datetime:
    """When the ticket became urgent: filed so, or re-classed later (which restarts due_at)."""
    created, due_at = ticket.created_at, ticket.due_at
    if due_at is None:
        return created
    start = due_at - hours(deadlines.urgent_resolve_hours)
    # max(created, start) without the builtin's call: plan() asks it twice per urgent ticket.
    return start if start > created else created


def respond_by(ticket: Deadlined, policy: Policy, tz: tzinfo) -> datetime | None:
    """The first-response deadline: working days for a small ticket, minutes after it became
    urgent for an urgent one; None for a difficult ticket (the hall answers it)."""
    if ticket.klass == "small":
        return response_deadline(ticket, policy.deadlines, tz)
    if ticket.klass == "urgent":
        since = urgent_since(ticket, policy.deadlines)
        return since + minutes(policy.deadlines.urgent_ack_minutes)
    return None


def answered(ticket: Deadlined) -> bool:
    """True once someone took the ticket on (认领) or acknowledged it (到场/收到)."""
    return ticket.assignee_id is not None or ticket.acknowledged_at is not None
