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

# (ticket, due_at, policy, zone): does the ticket plan this kind at due_at.
_Test = Callable[[TicketView, datetime, Policy, tzinfo], bool]


def plans(ticket: TicketView, kind: str, due_at: datetime, policy: Policy, tz: tzinfo) -> bool:
    """True when ``ticket`` still plans the follow-up ``kind`` at ``due_at`` (any time, for a
    periodic kind): a due row it no longer plans is skipped."""
    state = ticket.state
    if state in OPEN_STATES:
        test = _OPEN.get(kind)
    elif state == "resolved":
        test = _RESOLVED.get(kind)
    else:  # closed, merged, rejected: nothing
        return False
    return test is not None and test(ticket, due_at, policy, tz)


def _remind(t: TicketView, due_at: datetime, policy: Policy, tz: tzinfo) -> bool:
    # Either reminder: before the first response, or before the deadline.
    return first_reminder(t, policy, tz) == due_at or deadline_reminder(t, policy, tz) == due_at


# The tests of the kinds an open ticket can plan, and of those a resolved one can.
_OPEN: dict[str, _Test] = {
    "remind": _remind,
    "late": lambda t, due_at, policy, tz: late_at(t, policy, tz) == due_at,
    "realert": lambda t, due_at, policy, tz: alarmed(t, policy, tz),  # periodic: any time
    "nudge": lambda t, due_at, policy, tz: due_at in nudges(t, policy, tz),
    "overdue": lambda t, due_at, policy, tz: overdue_at(t, policy, tz) == due_at,
}
_RESOLVED: dict[str, _Test] = {
    "visit": lambda t, due_at, policy, tz: visit_at(t, policy, tz) == due_at,
    "autoclose": lambda t, due_at, policy, tz: autoclose_at(t, policy, tz) == due_at,
}
