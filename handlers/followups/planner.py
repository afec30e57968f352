"""The planner: which follow-ups each ticket should have in its current state, kept in step.

:func:`plan` is a pure function of a ticket; :func:`reconcile` makes the pending ``followups``
rows of the tickets a transaction changed match it (cancelling obsolete rows, adding missing
ones) with a handful of queries however many tickets there are. The batch handlers call
:func:`plan` again when a row falls due, so a row the ticket no longer needs is skipped even if
a cancellation was missed.

Kinds (see ``handlers/followups/tickets.py`` and ``alarms.py`` for what each sends):

- ``remind``: 催办 ``remind_before_hours`` before a deadline — the first response of an
  unclaimed small ticket, and the resolution deadline ``due_at`` of small and difficult ones.
- ``overdue``: at ``due_at`` of any open ticket (a difficult one has none until its 决议).
- ``late``: at the first-response deadline (:func:`respond_by`) of a small or urgent ticket
  nobody has answered; run by ``handlers/followups/overdue.py``.
- ``realert``: the alarm ladder of an urgent ticket nobody has answered (``handlers/ladder.py``);
  periodic, so only the next rung is ever pending.
- ``nudge``: an urgent ticket answered without 到场: a gentle reminder to whoever holds it.
- ``visit``: 回访 on the working day after resolution, at ``visit_at``.
- ``autoclose``: ``autoclose_working_days`` working days after the visit, at ``workday_end``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from datetime import UTC, datetime, tzinfo
from functools import partial
from operator import attrgetter
from typing import NamedTuple

from sqlalchemy import inspect
from sqlmodel import Session

from handlers.context import Services
from handlers.followups.deadlines import (
    answered,
    hours,
    minutes,
    respond_by,
    response_deadline,
    urgent_since,
    working_days_after,
)
from handlers.policy import Policy
from handlers.vocabulary import OPEN_STATES
from storage import followups, ticket_queries
from storage.checks import zone_of
from storage.models import Ticket
from storage.ticket_rows import TicketRow, TicketView, set_due_at, ticket_rows

_TICKET_MAPPER = inspect(Ticket)
TICKET_FOLLOWUPS = frozenset(
    {"remind", "overdue", "late", "realert", "nudge", "visit", "autoclose"}
)
PERIODIC = frozenset({"realert"})


class Planned(NamedTuple):
    """A follow-up a ticket should have; ``resume`` is set for a periodic one: given a time,
    it says when the first slot after it is (to add a missing row without replaying).

    A named tuple: a sweep plans thousands; a frozen dataclass cost a microsecond more.
    """

    kind: str
    due_at: datetime
    resume: Callable[[datetime], datetime] | None = None

    @property
    def key(self) -> tuple[str, datetime | None]:
        """What makes two follow-ups the same one (any time, for a periodic kind)."""
        return plan_key(self.kind, self.due_at)


# Follow-up rows (stored or due) earliest first, then by id: a sort key without a Python frame.
by_time = attrgetter("due_at", "id")


# Builds a Planned from (kind, due_at, resume) without the generated __new__'s Python frame,
# half the cost of Planned(...): plan() builds thousands per sweep.
_planned = tuple.__new__


def plan_key(kind: str, due_at: datetime) -> tuple[str, datetime | None]:
    """The identity of a planned or stored follow-up: a periodic kind has one at a time."""
    return (kind, None if kind in PERIODIC else due_at)


# Each kind's rule, stated once: plan() asks them all, in this order, for the whole plan;
# plans() (handlers/followups/plans.py) asks the one of the kind a due row has. Each takes
# the ticket, the policy and the local zone (the same signature, so plans() can table them).
# An open ticket:


def alarmed(t: TicketView, policy: Policy, tz: tzinfo) -> bool:
    """``realert`` (periodic): an urgent ticket nobody has answered nor reached (到场)."""
    return t.klass == "urgent" and t.acknowledged_at is None and t.answered_at is None


def nudges(t: TicketView, policy: Policy, tz: tzinfo) -> Collection[datetime]:
    """``nudge``: an urgent ticket answered without 到场: the gentle reminders to its holder."""
    if t.klass != "urgent" or t.acknowledged_at is not None or t.answered_at is None:
        return ()
    return dict.fromkeys(policy.ladder.nudges(t.answered_at))  # once each, in order


def first_reminder(t: TicketView, policy: Policy, tz: tzinfo) -> datetime | None:
    """``remind`` before the first-response deadline of an unclaimed small ticket."""
    if t.klass != "small" or t.assignee_id is not None:
        return None
    before = hours(policy.followups.remind_before_hours)
    return response_deadline(t, policy.deadlines, tz) - before


def late_at(t: TicketView, policy: Policy, tz: tzinfo) -> datetime | None:
    """``late``: the first-response deadline (:func:`respond_by`) of a ticket nobody answered."""
    return None if answered(t) else respond_by(t, policy, tz)


def deadline_reminder(t: TicketView, policy: Policy, tz: tzinfo) -> datetime | None:
    """``remind`` before the deadline of a small or difficult ticket (an urgent one is chased
    by the ladder instead)."""
    if t.klass == "urgent" or t.due_at is None:
        return None
    return t.due_at - hours(policy.followups.remind_before_hours)


def overdue_at(t: TicketView, policy: Policy, tz: tzinfo) -> datetime | None:
    """``overdue``: at the deadline of any open ticket that has one."""
    return t.due_at


# A resolved ticket (a closed, merged or rejected one plans nothing):


def visit_at(t: TicketView, policy: Policy, tz: tzinfo) -> datetime | None:
    """``visit``: the working day after resolution, unless visited since this resolution."""
    resolved, asked = t.resolved_at, t.visit_asked_at
    if resolved is None or (asked is not None and asked >= resolved):
        return None
    return working_days_after(resolved, 1, policy.followups.visit_at, tz)


def autoclose_at(t: TicketView, policy: Policy, tz: tzinfo) -> datetime | None:
    """``autoclose``: ``autoclose_working_days`` after the visit of this resolution."""
    resolved, asked = t.resolved_at, t.visit_asked_at
    if resolved is None or asked is None or asked < resolved:
        return None
    days, end = policy.followups.autoclose_working_days, policy.deadlines.workday_end
    return working_days_after(asked, days, end, tz)


def plan(ticket: TicketView, policy: Policy, tz: tzinfo) -> list[Planned]:
    """The follow-ups ``ticket`` should have now (in the past or the future)."""
    state = ticket.state
    if state == "resolved":
        if (at := visit_at(ticket, policy, tz)) is not None:
            return [_planned(Planned, ("visit", at, None))]
        if (at := autoclose_at(ticket, policy, tz)) is not None:
            return [_planned(Planned, ("autoclose", at, None))]
        return []
    if state not in OPEN_STATES:
        return []
    wanted: list[Planned] = []
    if alarmed(ticket, policy, tz):  # the ladder's next rung
        ladder, since = policy.ladder, urgent_since(ticket, policy.deadlines)
        due = since + minutes(ladder.minute(ticket.alerts))
        wanted.append(_planned(Planned, ("realert", due, partial(ladder.next_after, since))))
    else:
        for at in nudges(ticket, policy, tz):  # a loop: no generator for the usual none
            wanted.append(_planned(Planned, ("nudge", at, None)))
    if (first := first_reminder(ticket, policy, tz)) is not None:
        wanted.append(_planned(Planned, ("remind", first, None)))
    if (late := late_at(ticket, policy, tz)) is not None:
        wanted.append(_planned(Planned, ("late", late, None)))
    # The first-response reminder may coincide with the deadline's: one row then.
    if (reminder := deadline_reminder(ticket, policy, tz)) is not None and reminder != first:
        wanted.append(_planned(Planned, ("remind", reminder, None)))
    if (due_at := overdue_at(ticket, policy, tz)) is not None:
        wanted.append(_planned(Planned, ("overdue", due_at, None)))
    return wanted


def refresh_deadline(ticket: Ticket, now: datetime, policy: Policy) -> None:
    """Give a reopened ticket whose deadline has passed a fresh one, counted from now.

    Without it a ticket reopened after an unsatisfied rating would never be chased again.
    A difficult ticket keeps its deadline: the hall decides it anew.
    """
    if (fresh := fresh_deadline(ticket, now, policy)) is not None:
        ticket.due_at = fresh


def fresh_deadline(ticket: TicketView, now: datetime, policy: Policy) -> datetime | None:
    """The new deadline :func:`refresh_deadline` gives the ticket; None when it keeps its own."""
    if ticket.state != "reopened" or ticket.klass == "difficult":
        return None  # asked first: the sweep re-plans thousands of open tickets, none reopened
    if ticket.due_at is None or ticket.due_at <= now:
        return policy.deadlines.due(ticket.klass, now)
    return None


def first_due(planned: Planned, now: datetime) -> datetime | None:
    """When to add a missing follow-up: a past one-off is not added again (it ran, or is moot);
    a past periodic one moves to its next slot after ``now``, so a catch-up sends one, not all.
    """
    if planned.due_at > now:
        return planned.due_at
    if planned.resume is None:
        return None
    return planned.resume(now)


def _held(session: Session, ticket_ids: Iterable[int]) -> tuple[dict[int, Ticket], list[int]]:
    # The transaction that touched a ticket usually holds it: no need to read it again. Only
    # the ids held are looked up: an identity key per id of a sweep's thousands cost most.
    identity = session.identity_map
    keys = identity.keys()
    holds = {key[1][0] for key in keys if key[0] is Ticket}
    held: dict[int, Ticket] = {}
    missing = []
    key_of = _TICKET_MAPPER.identity_key_from_primary_key  # identity_key() cost 5 times more
    for ticket_id in ticket_ids:
        obj = identity.get(key_of((ticket_id,))) if ticket_id in holds else None
        if isinstance(obj, Ticket):
            held[ticket_id] = obj
        else:
            missing.append(ticket_id)
    return held, missing


def load_tickets(session: Session, ticket_ids: Iterable[int]) -> dict[int, Ticket]:
    """The tickets with these ids: those the session holds already, the rest in one query."""
    tickets, missing = _held(session, ticket_ids)
    if missing:
        for t in ticket_queries.tickets_by_id(session, missing):
            if t.id is not None:
                tickets[t.id] = t
    return tickets


def _held_or_rows(session: Session, ticket_ids: Iterable[int]) -> dict[int, Ticket | TicketRow]:
    # The objects the transaction changed (it holds them), the others as plain rows: the
    # sweep re-plans thousands of tickets it changed with one UPDATE, not through objects.
    held, missing = _held(session, ticket_ids)
    tickets: dict[int, Ticket | TicketRow] = dict(held)
    tickets.update(ticket_rows(session, missing))
    return tickets


def reconcile(
    session: Session, ticket_ids: Collection[int], now: datetime, services: Services
) -> None:
    """Make the pending follow-ups of these tickets match their plan; never commits."""
    if not ticket_ids:
        return
    policy, tz = services.policy, zone_of(now)
    now_utc = now.astimezone(UTC)  # compared with stored (UTC) times: see _working_days_after
    tickets = _held_or_rows(session, ticket_ids)
    pending: dict[int, list[followups.PendingRow]] = defaultdict(list)
    for row in followups.pending_for_tickets(session, tickets):
        # Follow-ups of other features (the hall) may hang on a ticket too: not ours to touch.
        if row.kind in TICKET_FOLLOWUPS and row.ticket_id is not None:
            pending[row.ticket_id].append(row)
    cancelled: list[int] = []
    added: list[dict[str, object]] = []
    refreshed: dict[int, datetime] = {}
    for ticket_id, ticket in tickets.items():
        if isinstance(ticket, Ticket):
            refresh_deadline(ticket, now, policy)  # the unit of work writes it
        elif (fresh := fresh_deadline(ticket, now, policy)) is not None:
            ticket = ticket._replace(due_at=fresh)
            refreshed[ticket_id] = fresh
        planned = plan(ticket, policy, tz)  # keyed by plan_key, inlined: thousands a sweep
        wanted = {(p.kind, None if p.kind in PERIODIC else p.due_at): p for p in planned}
        if len(stored := pending[ticket_id]) > 1:
            stored.sort(key=by_time)  # the earliest copy of a follow-up is the one kept
        for row in stored:
            kind = row.kind
            key = (kind, None if kind in PERIODIC else row.due_at)
            if key in wanted:
                del wanted[key]  # already pending; a second copy of it is cancelled below
            else:
                cancelled.append(row.id)
        added.extend(
            {
                "kind": p.kind,
                "community_code": ticket.community_code,
                "ticket_id": ticket_id,
                "due_at": due,
                "created_at": now,
            }
            for p in wanted.values()
            if (due := first_due(p, now_utc)) is not None
        )
    set_due_at(session, refreshed)
    followups.finish(session, cancelled, now, "cancelled")
    if added:
        followups.add_many(session, added)
