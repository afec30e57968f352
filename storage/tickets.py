"""Tickets and their event history; a chat message becomes at most one ticket.

The unique ``source_msg_id`` is what makes a redelivered message harmless: the second insert
is refused by the database itself, which holds even when two workers race on one message.
"""

from __future__ import annotations

import sqlite3

import psycopg.errors
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import SOURCE_MSG_UNIQUE, Ticket, TicketEvent

# SQLite names the columns of the violated constraint, never the constraint itself.
_SQLITE_SOURCE_MSG_MESSAGE = "UNIQUE constraint failed: tickets.source_msg_id"


class DuplicateSource(IntegrityError):
    """A ticket already exists for this source message: the message was delivered again.

    It is an :class:`IntegrityError` carrying the driver's error, so code that catches
    ``IntegrityError`` and asks :func:`is_duplicate_source_error` recognises it too.
    """

    def __init__(self, source_msg_id: str, cause: IntegrityError) -> None:
        """Wrap the database's refusal, remembering which message was a repeat."""
        super().__init__(cause.statement, cause.params, cause.orig, cause.hide_parameters)
        self.source_msg_id = source_msg_id


def is_duplicate_source_error(exc: IntegrityError) -> bool:
    """True when ``exc`` is the unique ``source_msg_id`` being violated, on either backend."""
    if isinstance(exc, DuplicateSource):
        return True
    orig = exc.orig
    if isinstance(orig, psycopg.errors.UniqueViolation):
        return orig.diag.constraint_name == SOURCE_MSG_UNIQUE
    if isinstance(orig, sqlite3.IntegrityError):
        return str(orig) == _SQLITE_SOURCE_MSG_MESSAGE
    return False


def create_ticket(
    session: Session, ticket: Ticket, *, actor_id: str, actor_name: str, note: str = ""
) -> Ticket:
    """Add ``ticket`` and its first event ("reported"); flushes for the id, never commits.

    Both rows are written inside a savepoint: if either insert fails, neither is left in the
    session and the caller's transaction stays usable. A repeated ``source_msg_id`` raises
    :class:`DuplicateSource`; any other integrity error propagates unchanged.
    """
    source_msg_id = ticket.source_msg_id  # read now: a rolled-back object may be expunged
    try:
        with session.begin_nested():
            session.add(ticket)
            session.flush()
            assert ticket.id is not None  # the flush assigned it
            session.add(
                TicketEvent(
                    ticket_id=ticket.id,
                    at=ticket.created_at,
                    actor_id=actor_id,
                    actor_name=actor_name,
                    kind="reported",
                    from_state=None,
                    to_state=ticket.state,
                    note=note,
                )
            )
            session.flush()
    except IntegrityError as exc:
        if is_duplicate_source_error(exc):
            raise DuplicateSource(source_msg_id, exc) from exc
        raise
    return ticket


def get_ticket(session: Session, ticket_id: int) -> Ticket | None:
    """The ticket with this number, if any."""
    return session.get(Ticket, ticket_id)


def ticket_by_source(session: Session, source_msg_id: str) -> Ticket | None:
    """The ticket created from this chat message, if any."""
    statement = select(Ticket).where(Ticket.source_msg_id == source_msg_id)
    return session.exec(statement).first()


def events_of(session: Session, ticket_id: int) -> list[TicketEvent]:
    """The ticket's history, oldest first (ties at the same instant by insertion order)."""
    statement = (
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket_id)
        .order_by(col(TicketEvent.at), col(TicketEvent.id))
    )
    return list(session.exec(statement).all())
