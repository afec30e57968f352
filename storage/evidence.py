"""Evidence rows (photos and videos attached to tickets) and the reports they may attach to."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import Ticket, TicketEvidence, TicketReport


def reports_since(
    session: Session, reporter_id: str, since: datetime, room_id: str | None = None
) -> list[tuple[datetime, int]]:
    """(when, ticket id) of each report by ``reporter_id`` since ``since``, first or +1;
    only those made in ``room_id`` when one is given."""
    own = select(Ticket.created_at, Ticket.id).where(
        Ticket.reporter_id == reporter_id, col(Ticket.created_at) >= since
    )
    plus = select(TicketReport.at, TicketReport.ticket_id).where(
        TicketReport.reporter_id == reporter_id, col(TicketReport.at) >= since
    )
    if room_id is not None:
        own = own.where(Ticket.room_id == room_id)
        plus = plus.where(TicketReport.room_id == room_id)
    found = [*session.exec(own), *session.exec(plus)]
    return [(at, ticket_id) for at, ticket_id in found if ticket_id is not None]


def is_attached(session: Session, source_msg_id: str) -> bool:
    """True when the chat message ``source_msg_id`` is already some ticket's evidence."""
    found = select(TicketEvidence.id).where(TicketEvidence.source_msg_id == source_msg_id)
    return session.exec(found).first() is not None


def evidence_of(session: Session, ticket_id: int) -> list[TicketEvidence]:
    """The pictures and videos attached to a ticket, oldest first."""
    rows = select(TicketEvidence).where(TicketEvidence.ticket_id == ticket_id)
    return list(session.exec(rows.order_by(col(TicketEvidence.at), col(TicketEvidence.id))))
