"""Tickets and their event history; a chat message becomes at most one ticket.

The unique ``source_msg_id`` is what makes a redelivered message harmless: the second insert
is refused by the database itself, which holds even when two workers race on one message.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime

import psycopg.errors
from sqlalchemy import Insert, Update, bindparam, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from storage import driver
from storage.checks import saved_id
from storage.core import insert_rows, insert_statement, loaded
from storage.followups import note_created, note_touched
from storage.models import (
    REPORT_SOURCE_MSG_UNIQUE,
    SOURCE_MSG_UNIQUE,
    Ticket,
    TicketEvent,
)

# SQLite names the columns of the violated constraint, never the constraint itself.
_SQLITE_SOURCE_MSG_MESSAGES = frozenset(
    {
        "UNIQUE constraint failed: tickets.source_msg_id",
        "UNIQUE constraint failed: ticket_reports.source_msg_id",
    }
)
_SOURCE_CONSTRAINTS = frozenset({SOURCE_MSG_UNIQUE, REPORT_SOURCE_MSG_UNIQUE})


class DuplicateSource(IntegrityError):
    """A ticket already exists for this source message: the message was delivered again.

    It is an :class:`IntegrityError` carrying the driver's error, so code that catches
    ``IntegrityError`` and asks :func:`is_duplicate_source_error` recognises it too.
    """

    def __init__(self, source_msg_id: str, cause: IntegrityError) -> None:
        """Wrap the database's refusal, remembering which message was a repeat."""
        orig = cause.orig if cause.orig is not None else cause
        super().__init__(cause.statement, cause.params, orig, cause.hide_parameters)
        self.source_msg_id = source_msg_id


def is_duplicate_source_error(exc: IntegrityError) -> bool:
    """True when a unique ``source_msg_id`` (of a ticket or a +1 report) was violated."""
    if isinstance(exc, DuplicateSource):
        return True
    orig = exc.orig
    if isinstance(orig, psycopg.errors.UniqueViolation):
        return orig.diag.constraint_name in _SOURCE_CONSTRAINTS
    if isinstance(orig, sqlite3.IntegrityError):
        return str(orig) in _SQLITE_SOURCE_MSG_MESSAGES
    return False


def create_ticket(
    session: Session, ticket: Ticket, *, actor_id: str, actor_name: str, note: str = ""
) -> Ticket:
    """Add ``ticket`` and its first event ("reported"); ``ticket`` gets its id and joins the
    session as a stored row (later changes to it are flushed as usual); never commits.

    Both rows are written inside a savepoint: if either insert fails, neither is left and
    the caller's transaction stays usable (PostgreSQL would otherwise refuse every later
    statement of it). A repeated ``source_msg_id`` raises :class:`DuplicateSource`; any other
    integrity error propagates unchanged.
    """
    # Core inserts on the session's connection, the object attached afterwards: the ORM's
    # flush of a new object (and its savepoint bookkeeping) cost more than the inserts.
    if ticket in session:  # added already: written here, not by the flush below
        session.expunge(ticket)
    fields = {key: getattr(ticket, key) for key in Ticket.model_fields}
    ticket.id = _insert(session, fields, actor_id=actor_id, actor_name=actor_name, note=note)
    # Every column was just written from the object: it is clean, and the session takes it
    # in without a query (an attribute changed later is an UPDATE at the next flush).
    make_transient_to_detached(ticket)
    session.add(ticket)
    note_created(session, ticket)
    return ticket


def file_ticket(
    session: Session,
    fields: Mapping[str, object],
    *,
    actor_id: str,
    actor_name: str,
    note: str = "",
) -> Ticket:
    """:func:`create_ticket` of ``Ticket(**fields)``: the same rows and the same stored object,
    built as a query builds a loaded one instead of through the constructor (whose
    instrumented set of each of three dozen attributes cost more than the two inserts)."""
    unknown = fields.keys() - _defaults().keys() - _required()
    if unknown:  # the constructor would drop them without a word
        raise TypeError(f"not a ticket field: {', '.join(sorted(unknown))}")
    values = {**_defaults(), **fields}
    ticket_id = _insert(session, values, actor_id=actor_id, actor_name=actor_name, note=note)
    ticket = loaded(session, Ticket, {**values, "id": ticket_id})
    note_created(session, ticket)
    return ticket


@functools.cache
def _defaults() -> dict[str, object]:
    """The value of every ticket field that has a default, as ``Ticket()`` would set it."""
    return {
        name: field.get_default(call_default_factory=True)
        for name, field in Ticket.model_fields.items()
        if not field.is_required()
    }


@functools.cache
def _required() -> frozenset[str]:
    """The ticket fields without a default."""
    return frozenset(n for n, f in Ticket.model_fields.items() if f.is_required())


def _insert(
    session: Session, fields: Mapping[str, object], *, actor_id: str, actor_name: str, note: str
) -> int:
    """Insert a new ticket (``fields``: its attributes) and its "reported" event, in a
    savepoint; the ticket's number."""
    values = _ticket_values(fields)
    run_on = driver.of(session)
    source = str(fields["source_msg_id"])
    try:
        with run_on.savepoint():
            # fetchall: the statement runs to its end before the next one
            (key,) = run_on.execute(_returning_id(tuple(values)), values).fetchall()
            ticket_id = int(key[0])
            event = {
                "ticket_id": ticket_id,
                "at": fields["created_at"],
                "actor_id": actor_id,
                "actor_name": actor_name,
                "kind": "reported",
                "from_state": None,
                "to_state": fields["state"],
                "note": note,
            }
            run_on.execute(insert_statement(TicketEvent, tuple(event)), event)
    except IntegrityError as exc:
        if is_duplicate_source_error(exc):
            raise DuplicateSource(source, exc) from exc
        raise
    return ticket_id


@functools.lru_cache(maxsize=16)
def _returning_id(columns: tuple[str, ...]) -> Insert:
    """The INSERT of a ticket with these columns, returning its number (one per column set:
    columns left to their defaults vary with the ticket)."""
    return insert_statement(Ticket, columns).returning(Ticket.__table__.c.id)  # type: ignore[attr-defined]


def _ticket_values(fields: Mapping[str, object]) -> dict[str, object]:
    """The column values of a new ticket, as the ORM would insert them: no id (the database
    numbers it), and a column with a default left to that default when the object has None."""
    values: dict[str, object] = {}
    for key, defaulted in _columns():
        value = fields.get(key)
        if value is None and defaulted:
            continue
        values[key] = value
    return values


@functools.cache
def _columns() -> tuple[tuple[str, bool], ...]:
    """Each ticket column's key, and whether the database fills it when given no value (the
    key, a column default): worked out once, not per ticket."""
    table = Ticket.__table__  # type: ignore[attr-defined]  # set by table=True
    return tuple(
        (
            column.key,
            bool(
                column.primary_key
                or column.default is not None
                or column.server_default is not None
            ),
        )
        for column in table.columns
    )


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


def add_event(
    session: Session,
    ticket: Ticket,
    *,
    at: datetime,
    actor_id: str,
    actor_name: str,
    kind: str,
    to_state: str | None = None,
    note: str = "",
) -> None:
    """Record one step of a ticket's history, moving it to ``to_state`` when given.

    Written at once, after the session's pending changes (the ticket's among them) are
    flushed: the ticket's new state and ``updated_at`` as one UPDATE of the columns that
    change, on the driver (the ORM's flush of the same UPDATE cost several times the
    statement), its object brought in step without history, and the event as a plain insert,
    since nothing reads an event object back.
    """
    ticket_id = saved_id(ticket)
    from_state = ticket.state
    now = {"updated_at": at} if to_state is None else {"state": to_state, "updated_at": at}
    run_on = set_fields(session, ticket, now)
    event = {
        "ticket_id": ticket_id,
        "at": at,
        "actor_id": actor_id,
        "actor_name": actor_name,
        "kind": kind,
        "from_state": from_state,
        "to_state": to_state or from_state,
        "note": note,
    }
    run_on.execute(insert_statement(TicketEvent, tuple(event)), event)
    note_touched(session, ticket)


def set_fields(session: Session, ticket: Ticket, values: Mapping[str, object]) -> driver.Driver:
    """Write these columns of a stored ticket at once, after the session's pending changes:
    one UPDATE on the driver (the ORM's flush of the same UPDATE cost several times the
    statement), the object brought in step without history; the driver it ran on.
    """
    ticket_id = saved_id(ticket)
    if ticket not in session:  # add() of a ticket it holds would walk its cascades again
        session.add(ticket)
    run_on = driver.of(session)
    # Only what differs is written, as the unit of work would (an equal instant in another
    # zone is equal): nothing at all when nothing changed.
    changed = {k: v for k, v in values.items() if getattr(ticket, k) != v}
    if changed:
        params = {f"set_{k}": v for k, v in changed.items()}
        run_on.execute(_update_statement(tuple(changed)), {**params, "ticket_key": ticket_id})
    for key, value in values.items():
        set_committed_value(ticket, key, value)
    return run_on


@functools.cache
def _update_statement(columns: tuple[str, ...]) -> Update:
    """UPDATE of these ticket columns (each bound as ``:set_<column>``) of ``:ticket_key``."""
    table = Ticket.__table__  # type: ignore[attr-defined]  # set by table=True
    return (
        update(table)
        .where(table.c.id == bindparam("ticket_key"))
        .values({c: bindparam(f"set_{c}") for c in columns})
    )


def add_events(session: Session, rows: Sequence[Mapping[str, object]]) -> None:
    """Insert many ticket events in one executemany (column name → value per row)."""
    insert_rows(session, TicketEvent, rows)
