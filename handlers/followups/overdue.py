"""超期 (overdue), defined once: which tickets are overdue now, and the missed-response notice.

A ticket is **overdue** while it is open and either

- its resolution deadline ``due_at`` has passed, or
- its first-response deadline (:func:`handlers.followups.deadlines.respond_by`: small tickets
  ``small_response_days`` working days, urgent ones ``urgent_ack_minutes``) has passed and
  nobody has answered it yet (no 认领, no 到场).

The second case is a **late** ticket. When its response deadline passes, the sweep runs the
``late`` follow-up: it records a ``late`` event on the ticket (so the missed deadline is part
of its history, and SQL can find late tickets), and says so once in the six-party group. An
urgent ticket gets the event but no extra message: its alarm ladder speaks at that moment.
The event is written once per ticket, so neither the next sweep nor a restart repeats it.

The daily brief, 统计, the dashboard, the CSV export and ``/public/stats`` all count 超期 with
:func:`is_overdue` or :func:`overdue_where` from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Protocol

from sqlalchemy import ColumnElement

from handlers.commands.parser import ticket_ref
from handlers.events import Reply
from handlers.followups.deadlines import answered, respond_by
from handlers.followups.engine import SweepContext
from handlers.followups.notify import Notices, brief
from handlers.followups.plans import plans
from handlers.policy import Policy, when
from handlers.routing import party_label
from handlers.vocabulary import OPEN_STATES
from storage.checks import zone_of
from storage.followups import DueRow
from storage.overdue import LATE_EVENT, late_noted, overdue_conditions
from storage.ticket_rows import TicketRow, ticket_rows
from storage.tickets import add_events

BOT_ACTOR = "liufang"


class Deadlined(Protocol):
    """What the definition reads: a :class:`Ticket`, or a row of its columns (list pages,
    the sweep's :class:`storage.ticket_rows.TicketRow`); read only."""

    @property
    def klass(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def assignee_id(self) -> str | None: ...
    @property
    def acknowledged_at(self) -> datetime | None: ...


def is_late(ticket: Deadlined, now: datetime, policy: Policy, tz: tzinfo) -> bool:
    """Open, unanswered, and past its first-response deadline."""
    if ticket.state not in OPEN_STATES or answered(ticket):
        return False
    deadline = respond_by(ticket, policy, tz)
    return deadline is not None and deadline <= now


def is_overdue(
    ticket: Deadlined, now: datetime, policy: Policy, tz: tzinfo, now_utc: datetime | None = None
) -> bool:
    """Open and past its resolution deadline, or late for its first response. ``now_utc`` is
    ``now`` in UTC, from a caller that judges many tickets at one moment (a list page)."""
    if ticket.state not in OPEN_STATES:
        return False
    # due_at is read back in UTC: against a UTC now the two compare field by field, where a
    # now of another zone had the zone look up both offsets (most of a remembered list line's
    # cost). Aware times compare as instants either way: the same answer.
    due_at = ticket.due_at
    if due_at is not None and due_at < (now if now_utc is None else now_utc):
        return True
    return is_late(ticket, now, policy, tz)


def overdue_where(
    dialect: str, now: datetime | ColumnElement[datetime]
) -> tuple[ColumnElement[bool], ...]:
    """SQL conditions of :func:`is_overdue` (built in :mod:`storage.overdue`)."""
    return overdue_conditions(dialect, now, OPEN_STATES)


def late(ctx: SweepContext, rows: Sequence[DueRow]) -> list[Reply]:
    """Record a missed first-response deadline and tell the six-party group, once per ticket."""
    tz = zone_of(ctx.now)
    policy = ctx.services.policy
    tickets = ticket_rows(ctx.session, {r.ticket_id for r in rows if r.ticket_id is not None})
    noted = late_noted(ctx.session, list(tickets))
    due: list[TicketRow] = []
    for row in rows:
        t = tickets.get(row.ticket_id or 0)
        if t is None or t.id in noted:
            continue
        if plans(t, row.kind, row.due_at, policy, tz):
            noted.add(t.id or 0)
            due.append(t)
    people = ctx.people({t.community_code for t in due})
    notices = Notices()
    events = []
    for t in due:
        deadline = respond_by(t, policy, tz)
        if deadline is None:  # planned only with a response deadline: re-classed since
            continue
        events.append(
            {
                "ticket_id": t.id,
                "at": ctx.now,
                "actor_id": BOT_ACTOR,
                "actor_name": ctx.services.bot_name,
                "kind": LATE_EVENT,
                "from_state": t.state,
                "to_state": t.state,
                "note": f"超过首次响应期限 {when(deadline, tz)}，无人认领",
            }
        )
        if t.klass == "urgent":
            continue  # the alarm ladder speaks for an unanswered urgent ticket
        boss, boss_ids = people.secretaries(t.community_code)
        text = (
            f"【超期】{brief(t)} 已过首次响应期限 {when(deadline, tz)}，仍无人认领。"
            f"负责：{party_label(t)}，请回复「认领 {ticket_ref(t.id)}」；请{boss}督办。"
        )
        mentions = [*people.responsible(t), *boss_ids]
        notices.add(people.six_party(t.community_code), text, mentions)
    if events:
        # One executemany, however many tickets came due at once (a catch-up after downtime).
        # The ticket itself does not change: the event is its history, not a new state.
        add_events(ctx.session, events)
    return notices.replies()
