"""Whether a ticket still plans one follow-up: :func:`~handlers.followups.planner.plan`'s
answer for one kind and time, without building the rest of the plan.

The batch handlers ask it once per due row, thousands of times a sweep, to skip a row the
ticket no longer needs. Building the whole plan for that (every kind, each time, the ladder's
resume function) cost more than the handler's own work on the row. So it asks only the rule
of the row's kind: the planner's own (``planner.first_reminder`` and the others), which
:func:`~handlers.followups.planner.plan` is built from, so both answer alike by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from handlers.followups.planner import (
    alarmed,
    autoclose_at,
    deadline_reminder,
    first_reminder,
    late_at,
    nudges,
    overdue_at,
    visit_at,
)
from handlers.policy import Policy
from handlers.vocabulary import OPEN_STATES
from storage.ticket_rows import TicketView

# A rule of the planner: when (if at all) it plans its kind for the ticket.
_At = Callable[[TicketView, Policy, tzinfo], datetime | None]


def plans(ticket: TicketView, kind: str, due_at: datetime, policy: Policy, tz: tzinfo) -> bool:
    """True when ``ticket`` still plans the follow-up ``kind`` at ``due_at`` (any time, for a
    periodic kind): a due row it no longer plans is skipped."""
    state = ticket.state
    if state in OPEN_STATES:
        if kind == "realert":  # periodic: planned at any time while the ladder runs
            return alarmed(ticket, policy, tz)
        if kind == "nudge":
            return due_at in nudges(ticket, policy, tz)
        rules = _OPEN.get(kind, ())
    elif state == "resolved":
        rules = _RESOLVED.get(kind, ())
    else:  # closed, merged, rejected: nothing
        return False
    # A loop, not any() over a generator (a frame more): asked once per due row.
    for rule in rules:  # noqa: SIM110
        if rule(ticket, policy, tz) == due_at:
            return True
    return False


# The rules of the other kinds an open ticket can plan (two reminders: before the first
# response, before the deadline), and of those a resolved one can.
_OPEN: dict[str, tuple[_At, ...]] = {
    "remind": (first_reminder, deadline_reminder),
    "late": (late_at,),
    "overdue": (overdue_at,),
}
_RESOLVED: dict[str, tuple[_At, ...]] = {"visit": (visit_at,), "autoclose": (autoclose_at,)}
