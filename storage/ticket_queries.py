"""Ticket queries of the chat commands: a person's tickets, a community's counts."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import Session, col, select, update

from storage.models import Ticket, TicketReport


def tickets_of_person(
    session: Session, community: str, contact_id: str, limit: int
) -> list[Ticket]:
    """The community's tickets the person reported, joined (+1) or holds, newest first."""
    joined = select(TicketReport.ticket_id).where(TicketReport.reporter_id == contact_id)
    stmt = (
        select(Ticket)
        .where(
            Ticket.community_code == community,
            or_(
                col(Ticket.reporter_id) == contact_id,
                col(Ticket.assignee_id) == contact_id,
                col(Ticket.id).in_(joined),
            ),
        )
        .order_by(col(Ticket.id).desc())
        .limit(limit)
    )
    return list(session.exec(stmt))


def counts_by_state_and_class(session: Session, community: str) -> list[tuple[str, str, int]]:
    """(state, class, how many) of the community's tickets."""
    stmt = (
        select(Ticket.state, Ticket.klass, func.count())
        .where(Ticket.community_code == community)
        .group_by(Ticket.state, Ticket.klass)
    )
    return [(state, klass, int(n)) for state, klass, n in session.exec(stmt).all()]


def count_where(session: Session, community: str, where: Iterable[ColumnElement[bool]]) -> int:
    """How many of the community's tickets meet every condition of ``where``."""
    stmt = (
        select(func.count()).select_from(Ticket).where(Ticket.community_code == community, *where)
    )
    return int(session.exec(stmt).one())


def last_reported_community(session: Session, reporter_id: str) -> str | None:
    """The community of the newest ticket this person reported, if any."""
    stmt = (
        select(Ticket.community_code)
        .where(Ticket.reporter_id == reporter_id)
        .order_by(col(Ticket.id).desc())
    )
    return session.exec(stmt).first()


def resolved_for_rating(session: Session, community: str, contact_id: str) -> list[int]:
    """Numbers of the community's resolved tickets the person reported or joined (+1)."""
    joined = select(TicketReport.ticket_id).where(TicketReport.reporter_id == contact_id)
    stmt = (
        select(Ticket.id)
        .where(
            Ticket.community_code == community,
            Ticket.state == "resolved",
            (col(Ticket.reporter_id) == contact_id) | col(Ticket.id).in_(joined),
        )
        .order_by(col(Ticket.id))
    )
    return [number for number in session.exec(stmt).all() if number is not None]


def newest_flagged(
    session: Session,
    reporter_id: str,
    since: datetime,
    finished: Collection[str],
    *,
    number: int | None = None,
    room_id: str | None = None,
) -> Ticket | None:
    """The person's newest 可能是急事 ticket filed since ``since`` and not ``finished``;
    only ticket ``number`` and only reports in ``room_id`` when given."""
    stmt = (
        select(Ticket)
        .where(
            Ticket.reporter_id == reporter_id,
            col(Ticket.maybe_urgent).is_(True),
            col(Ticket.state).notin_(list(finished)),
            Ticket.created_at >= since,
        )
        .order_by(col(Ticket.id).desc())
    )
    if number is not None:
        stmt = stmt.where(Ticket.id == number)
    if room_id is not None:
        stmt = stmt.where(Ticket.room_id == room_id)
    return session.exec(stmt).first()


def tickets_by_id(session: Session, ids: Collection[int]) -> list[Ticket]:
    """The tickets with these numbers (those that exist), in no particular order."""
    return list(session.exec(select(Ticket).where(col(Ticket.id).in_(list(ids)))))


def reports_of(session: Session, ticket_ids: Collection[int | None]) -> list[TicketReport]:
    """Every +1 report added to these tickets."""
    stmt = select(TicketReport).where(col(TicketReport.ticket_id).in_(list(ticket_ids)))
    return list(session.exec(stmt))


def move_reports(session: Session, from_ticket: int, to_ticket: int) -> None:
    """Re-point every report of ``from_ticket`` at ``to_ticket`` (a merge), in one UPDATE."""
    session.execute(
        update(TicketReport)
        .where(col(TicketReport.ticket_id) == from_ticket)
        .values(ticket_id=to_ticket)
    )
