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
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache, lru_cache, partial
from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import inspect
from sqlmodel import Session

from handlers.context import Services
from handlers.policy import Deadlines, Policy
from handlers.vocabulary import OPEN_STATES
from handlers.workdays import add_working_days, calendar_version
from storage import followups, ticket_queries
from storage.checks import zone_of
from storage.models import Ticket
from storage.ticket_rows import TicketRow, TicketView, set_due_at, ticket_rows

if TYPE_CHECKING:  # the overdue module imports this one
    from handlers.followups.overdue import Deadlined

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


def response_deadline(ticket: Deadlined, deadlines: Deadlines, tz: tzinfo) -> datetime:
    """When a small ticket must have been claimed: working days counted in local time."""
    return working_days_after(
        ticket.created_at, deadlines.small_response_days, deadlines.workday_end, tz
    )


def urgent_since(ticket: Deadlined, deadlines: Deadlines) -> datetime:
    """When the ticket became urgent: filed so, or re-classed later (which restarts due_at)."""
    if ticket.due_at is None:
        return ticket.created_at
    return max(ticket.created_at, ticket.due_at - hours(deadlines.urgent_resolve_hours))


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


def plan(ticket: TicketView, policy: Policy, tz: tzinfo) -> list[Planned]:
    """The follow-ups ``ticket`` should have now (in the past or the future)."""
    state = ticket.state
    if state == "resolved":
        return _after_resolution(ticket, policy, tz)
    if state not in OPEN_STATES:
        return []
    rules, deadlines = policy.followups, policy.deadlines
    before = hours(rules.remind_before_hours)
    klass, due_at = ticket.klass, ticket.due_at
    wanted: list[Planned] = []
    # Counted once for both uses: a small ticket's response deadline, an urgent one's start.
    response = since = None
    if klass == "urgent":
        since = urgent_since(ticket, deadlines)
        if ticket.acknowledged_at is None:
            wanted.extend(alarms(ticket, policy, since))
    elif klass == "small" and ticket.assignee_id is None:
        response = response_deadline(ticket, deadlines, tz)
        wanted.append(_planned(Planned, ("remind", response - before, None)))
    if ticket.assignee_id is None and ticket.acknowledged_at is None:  # not answered()
        late = response if since is None else since + minutes(deadlines.urgent_ack_minutes)
        if late is not None or (late := respond_by(ticket, policy, tz)) is not None:
            wanted.append(_planned(Planned, ("late", late, None)))  # respond_by(), counted once
    if due_at is not None:
        if klass != "urgent":  # an urgent ticket is chased by re-alerts instead
            reminder = due_at - before
            # The first-response reminder (planned iff response is set) may coincide: one then.
            if response is None or response - before != reminder:
                wanted.append(_planned(Planned, ("remind", reminder, None)))
        wanted.append(_planned(Planned, ("overdue", due_at, None)))
    return wanted


def alarms(ticket: TicketView, policy: Policy, since: datetime) -> list[Planned]:
    """An urgent ticket not yet 到场 (urgent ``since``): the ladder's next rung, or, once a
    responder answered, the gentle reminders to whoever holds it."""
    ladder = policy.ladder
    if ticket.answered_at is not None:
        return [Planned("nudge", at) for at in dict.fromkeys(ladder.nudges(ticket.answered_at))]
    due = since + minutes(ladder.minute(ticket.alerts))
    return [_planned(Planned, ("realert", due, partial(ladder.next_after, since)))]


def _after_resolution(ticket: TicketView, policy: Policy, tz: tzinfo) -> list[Planned]:
    rules = policy.followups
    if ticket.resolved_at is None:
        return []
    asked = ticket.visit_asked_at
    if asked is None or asked < ticket.resolved_at:  # not yet visited since this resolution
        return [Planned("visit", working_days_after(ticket.resolved_at, 1, rules.visit_at, tz))]
    close_at = working_days_after(
        asked, rules.autoclose_working_days, policy.deadlines.workday_end, tz
    )
    return [Planned("autoclose", close_at)]


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
        wanted = {p.key: p for p in plan(ticket, policy, tz)}
        for row in sorted(pending[ticket_id], key=by_time):
            key = plan_key(row.kind, row.due_at)
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
