"""The three rates of the 接诉即办 practice, for one community over one span of time.

Definitions (``[start, end)`` is the reported week; times compared as instants):

- **响应率 response rate** = small and urgent tickets filed in the span, not merged into
  another, whose first response came by their response deadline / all such tickets. The first
  response is the earliest of ``acknowledged_at`` and the first 认领 / 到场 / 进展 / 办结 / 驳回
  event; the deadline is ``small_response_days`` working days (at ``workday_end``) for a small
  ticket and ``urgent_ack_minutes`` after filing for an urgent one. Difficult tickets go to the
  hall and have no response deadline, so they are not counted.
- **解决率 resolution rate** = tickets whose deadline ``due_at`` falls in the span, neither
  merged nor rejected, that are resolved or closed with ``resolved_at`` no later than
  ``due_at`` / all such tickets. A ticket reopened after an unsatisfied rating has no
  ``resolved_at`` and counts as unresolved.
- **满意率 satisfaction rate** = ratings given in the span (评价 events) that were 满意 or
  基本满意 (they closed the ticket) / all ratings given in the span (不满意 reopens it).
  A ticket rated twice counts twice; tickets closed without a rating are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from handlers.followups.planner import response_deadline
from handlers.policy import Policy
from storage.models import Ticket, TicketEvent

RESPONSE_EVENTS = ("claim", "arrive", "progress", "resolve", "reject")


@dataclass(frozen=True, slots=True)
class Rate:
    """A share: ``hits`` out of ``total``."""

    hits: int
    total: int

    @property
    def value(self) -> float | None:
        """The share between 0 and 1, or None when nothing was counted."""
        return self.hits / self.total if self.total else None

    def label(self) -> str:
        """``90%（9/10）``, or ``—`` when there was nothing to count."""
        if not self.total:
            return "—"
        return f"{round(100 * self.hits / self.total)}%（{self.hits}/{self.total}）"


@dataclass(frozen=True, slots=True)
class Rates:
    """响应率, 解决率 and 满意率 of one community over one span."""

    response: Rate
    resolution: Rate
    satisfaction: Rate


def weekly_rates(
    session: Session, community: str, start: datetime, end: datetime, policy: Policy
) -> Rates:
    """The three rates of ``community`` over ``[start, end)``, in four queries."""
    return Rates(
        response=_response(session, community, start, end, policy),
        resolution=_resolution(session, community, start, end),
        satisfaction=_satisfaction(session, community, start, end),
    )


def _response(
    session: Session, community: str, start: datetime, end: datetime, policy: Policy
) -> Rate:
    filed = (
        col(Ticket.community_code) == community,
        col(Ticket.created_at) >= start,
        col(Ticket.created_at) < end,
        col(Ticket.klass).in_(("small", "urgent")),
        col(Ticket.state) != "merged",
    )
    tickets = list(session.exec(select(Ticket).where(*filed)))
    first = dict(
        session.exec(
            select(TicketEvent.ticket_id, func.min(TicketEvent.at))
            .join(Ticket, col(Ticket.id) == col(TicketEvent.ticket_id))
            .where(*filed, col(TicketEvent.kind).in_(RESPONSE_EVENTS))
            .group_by(col(TicketEvent.ticket_id))
        ).all()
    )
    tz = start.tzinfo
    assert tz is not None
    hits = 0
    for t in tickets:
        answers = [a for a in (t.acknowledged_at, first.get(t.id)) if a is not None]
        if not answers:
            continue
        if t.klass == "urgent":
            deadline = t.created_at + timedelta(minutes=policy.deadlines.urgent_ack_minutes)
        else:
            deadline = response_deadline(t, policy.deadlines, tz)
        hits += min(answers) <= deadline
    return Rate(hits, len(tickets))


def _resolution(session: Session, community: str, start: datetime, end: datetime) -> Rate:
    rows = session.exec(
        select(Ticket.state, Ticket.resolved_at, Ticket.due_at).where(
            Ticket.community_code == community,
            col(Ticket.due_at) >= start,
            col(Ticket.due_at) < end,
            col(Ticket.state).not_in(("merged", "rejected")),
        )
    ).all()
    hits = sum(
        1
        for state, resolved_at, due_at in rows
        if state in ("resolved", "closed") and resolved_at is not None and resolved_at <= due_at
    )
    return Rate(hits, len(rows))


def _satisfaction(session: Session, community: str, start: datetime, end: datetime) -> Rate:
    rows = session.exec(
        select(TicketEvent.to_state)
        .join(Ticket, col(Ticket.id) == col(TicketEvent.ticket_id))
        .where(
            Ticket.community_code == community,
            TicketEvent.kind == "rate",
            col(TicketEvent.at) >= start,
            col(TicketEvent.at) < end,
        )
    ).all()
    return Rate(sum(1 for to_state in rows if to_state == "closed"), len(rows))
