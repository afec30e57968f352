"""Digest bookkeeping: which periods were posted, when the bot was last seen, what is open."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from storage.models import DigestRun, Group, Ticket, TicketEvent


def six_party_rooms(session: Session) -> dict[str, str]:
    """Community code → the room id of its six-party group, for those that have one."""
    stmt = select(Group.community_code, Group.room_id).where(Group.kind == "six_party")
    return dict(session.exec(stmt).all())


def runs_done(session: Session, periods: Sequence[str]) -> set[tuple[str, str, str]]:
    """(community, kind, period) of every digest run recorded for these period keys."""
    stmt = select(DigestRun.community_code, DigestRun.kind, DigestRun.period).where(
        col(DigestRun.period).in_(list(periods))
    )
    return set(session.exec(stmt).all())


def communities_with_tickets(session: Session) -> set[str]:
    """The communities that have had at least one ticket."""
    return set(session.exec(select(Ticket.community_code).distinct()).all())


def latest_run_at(session: Session) -> dict[str, datetime]:
    """Per community, the time of its latest digest run of any kind."""
    stmt = select(DigestRun.community_code, func.max(DigestRun.at)).group_by(
        col(DigestRun.community_code)
    )
    return {code: at for code, at in session.exec(stmt).all() if at is not None}


def run_of(session: Session, community: str, kind: str, period: str) -> DigestRun | None:
    """The community's run of this kind and period, if recorded."""
    stmt = select(DigestRun).where(
        DigestRun.community_code == community,
        DigestRun.kind == kind,
        DigestRun.period == period,
    )
    return session.exec(stmt).first()


def open_ticket_count(session: Session, community: str, open_states: Collection[str]) -> int:
    """How many of the community's tickets are in one of ``open_states``."""
    stmt = (
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.community_code == community, col(Ticket.state).in_(list(open_states)))
    )
    return int(session.exec(stmt).one())


def _filed_for_response(community: str, start: datetime, end: datetime) -> tuple[Any, ...]:
    """Small and urgent tickets (not merged) the community filed in [start, end)."""
    return (
        col(Ticket.community_code) == community,
        col(Ticket.created_at) >= start,
        col(Ticket.created_at) < end,
        col(Ticket.klass).in_(("small", "urgent")),
        col(Ticket.state) != "merged",
    )


def filed_for_response(
    session: Session, community: str, start: datetime, end: datetime
) -> list[Ticket]:
    """The tickets the response rate counts: small and urgent ones filed in [start, end)."""
    return list(session.exec(select(Ticket).where(*_filed_for_response(community, start, end))))


def first_response_at(
    session: Session,
    community: str,
    start: datetime,
    end: datetime,
    response_events: Collection[str],
) -> dict[int, datetime]:
    """Per ticket of :func:`filed_for_response`, its earliest event of ``response_events``."""
    stmt = (
        select(TicketEvent.ticket_id, func.min(TicketEvent.at))
        .join(Ticket, col(Ticket.id) == col(TicketEvent.ticket_id))
        .where(
            *_filed_for_response(community, start, end),
            col(TicketEvent.kind).in_(list(response_events)),
        )
        .group_by(col(TicketEvent.ticket_id))
    )
    return {ticket_id: at for ticket_id, at in session.exec(stmt).all() if at is not None}


def deadlines_in(
    session: Session, community: str, start: datetime, end: datetime
) -> list[tuple[str, datetime | None, datetime | None]]:
    """(state, resolved_at, due_at) of tickets with a deadline or resolution in [start, end)
    (merged and rejected ones left out)."""
    stmt = select(Ticket.state, Ticket.resolved_at, Ticket.due_at).where(
        Ticket.community_code == community,
        col(Ticket.due_at).is_not(None),
        or_(
            (col(Ticket.due_at) >= start) & (col(Ticket.due_at) < end),
            (col(Ticket.resolved_at) >= start) & (col(Ticket.resolved_at) < end),
        ),
        col(Ticket.state).not_in(("merged", "rejected")),
    )
    return list(session.exec(stmt).all())


def ratings_in(session: Session, community: str, start: datetime, end: datetime) -> list[str]:
    """The state each rating in [start, end) led to (closed, or reopened when unsatisfied)."""
    stmt = (
        select(TicketEvent.to_state)
        .join(Ticket, col(Ticket.id) == col(TicketEvent.ticket_id))
        .where(
            Ticket.community_code == community,
            TicketEvent.kind == "rate",
            col(TicketEvent.at) >= start,
            col(TicketEvent.at) < end,
        )
    )
    return [state or "" for state in session.exec(stmt).all()]


def open_or_filed_since(
    session: Session, community: str, start: datetime, open_states: Collection[str]
) -> list[Ticket]:
    """The community's open tickets and those filed since ``start``, by deadline."""
    stmt = (
        select(Ticket)
        .where(
            Ticket.community_code == community,
            col(Ticket.state).in_(list(open_states)) | (col(Ticket.created_at) >= start),
        )
        .order_by(col(Ticket.due_at), col(Ticket.id))
    )
    return list(session.exec(stmt).all())


def filed_in(
    session: Session, community: str, start: datetime, end: datetime
) -> list[tuple[str, str, str | None]]:
    """(class, category, grid) of each ticket filed in [start, end), first filed first."""
    stmt = (
        select(Ticket.klass, Ticket.category, Ticket.grid)
        .where(
            Ticket.community_code == community,
            col(Ticket.created_at) >= start,
            col(Ticket.created_at) < end,
        )
        .order_by(col(Ticket.id))  # ties in the top lists go to what was reported first
    )
    return list(session.exec(stmt).all())
