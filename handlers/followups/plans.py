"""Whether a ticket still plans one follow-up: :func:`~handlers.followups.planner.plan`'s
answer for one kind and time, without building the rest of the plan.

The batch handlers ask it once per due row, thousands of times a sweep, to skip a row the
ticket no longer needs. Building the whole plan for that (every kind, each time, the ladder's
resume function) cost more than the handler's own work on the row. Each kind's test below is
``plan()``'s rule for that kind alone, with the same arithmetic, so both answer alike
(``tests/handlers/followups/test_plans.py`` compares them over varied tickets).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from handlers.followups.planner import (
    PERIODIC,
    hours,
    minutes,
    plan,
    response_deadline,
    urgent_since,
)
from handlers.policy import Policy
from handlers.vocabulary import OPEN_STATES
from storage.ticket_rows import TicketView

# (ticket, due_at, policy, zone): the rule of one kind for an open ticket.
_Rule = Callable[[TicketView, datetime, Policy, tzinfo], bool]


def plans(ticket: TicketView, kind: str, due_at: datetime, policy: Policy, tz: tzinfo) -> bool:
    """True when ``ticket`` still plans the follow-up ``kind`` at ``due_at`` (any time, for a
    periodic kind): a due row it no longer plans is skipped."""
    if ticket.state not in OPEN_STATES:
        # Resolved: the visit or the autoclose; closed, merged, rejected: nothing.
        return ticket.state == "resolved" and _in_plan(ticket, kind, due_at, policy, tz)
    rule = _OPEN_RULES.get(kind)
    return rule is not None and rule(ticket, due_at, policy, tz)


def _in_plan(ticket: TicketView, kind: str, due_at: datetime, policy: Policy, tz: tzinfo) -> bool:
    """The answer from the whole plan (a loop, not any() over a generator)."""
    periodic = kind in PERIODIC
    for p in plan(ticket, policy, tz):
        if p.kind == kind and (periodic or p.due_at == due_at):
            return True
    return False


def _remind(t: TicketView, due_at: datetime, policy: Policy, tz: tzinfo) -> bool:
    # Before the first response of an unclaimed small ticket, and before the deadline of a
    # small or difficult one (an urgent one is chased by the ladder instead).
    before = hours(policy.followups.remind_before_hours)
    klass = t.klass
    small_unclaimed = klass == "small" and t.assignee_id is None
    if small_unclaimed and response_deadline(t, policy.deadlines, tz) - before == due_at:
        return True
    return klass != "urgent" and t.due_at is not None and t.due_at - before == due_at


def _late(t: TicketView, due_at: datetime, policy: Policy, tz: tzinfo) -> bool:
    # At the first-response deadline of a small or urgent ticket nobody has answered.
    if t.assignee_id is not None or t.acknowledged_at is not None:
        return False
    if t.klass == "small":
        return response_deadline(t, policy.deadlines, tz) == due_at
    if t.klass == "urgent":
        deadlines = policy.deadlines
        return urgent_since(t, deadlines) + minutes(deadlines.urgent_ack_minutes) == due_at
    return False


def _realert(t: TicketView, due_at: datetime, policy: Policy, tz: tzinfo) -> bool:
    # The ladder of an urgent ticket nobody has answered nor reached: periodic, any time.
    return t.klass == "urgent" and t.acknowledged_at is None and t.answered_at is None


def _nudge(t: TicketView, due_at: datetime, policy: Policy, tz: tzinfo) -> bool:
    # Answered without 到场: the gentle reminders to whoever holds it.
    if t.klass != "urgent" or t.acknowledged_at is not None or t.answered_at is None:
        return False
    return due_at in policy.ladder.nudges(t.answered_at)


def _overdue(t: TicketView, due_at: datetime, policy: Policy, tz: tzinfo) -> bool:
    # At the deadline of any open ticket that has one.
    return t.due_at is not None and t.due_at == due_at


# The kinds an open ticket can plan; visit and autoclose come only after resolution.
_OPEN_RULES: dict[str, _Rule] = {
    "remind": _remind,
    "late": _late,
    "realert": _realert,
    "nudge": _nudge,
    "overdue": _overdue,
}
