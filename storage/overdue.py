"""The SQL half of 超期 (overdue): the conditions, and the ``late`` events that mark it.

The definition itself, and what the bot says, live in :mod:`handlers.followups.overdue`;
the open states are passed in, as everywhere in storage.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, exists, literal_column, or_
from sqlmodel import Session, col, select

from storage.models import Ticket, TicketEvent, UtcDateTime

LATE_EVENT = "late"


def overdue_conditions(
    dialect: str, now: datetime | ColumnElement[datetime], open_states: Collection[str]
) -> tuple[ColumnElement[bool], ...]:
    """WHERE terms for overdue tickets; a late ticket is found by its ``late`` event. ``now``
    may be a bound parameter, for a statement built once and run at many moments."""
    # SQLite keeps no statistics: offered ix_tickets_community_due it would walk every
    # deadline ever passed (closed tickets included, all of history); the unary + (SQLite's
    # documented way to keep a term off an index) makes it read the open tickets instead.
    due = literal_column("+tickets.due_at", UtcDateTime) if dialect == "sqlite" else None
    late = exists(
        select(TicketEvent.id).where(
            col(TicketEvent.ticket_id) == col(Ticket.id), TicketEvent.kind == LATE_EVENT
        )
    )
    return (
        col(Ticket.state).in_(sorted(open_states)),
        or_(
            (due if due is not None else col(Ticket.due_at)) < now,
            col(Ticket.assignee_id).is_(None) & col(Ticket.acknowledged_at).is_(None) & late,
        ),
    )


def late_noted(session: Session, ticket_ids: Collection[int]) -> set[int]:
    """Those of these tickets that already have a ``late`` event."""
    return set(
        session.exec(
            select(TicketEvent.ticket_id).where(
                col(TicketEvent.ticket_id).in_(list(ticket_ids)), TicketEvent.kind == LATE_EVENT
            )
        ).all()
    )
