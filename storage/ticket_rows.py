"""Tickets read as plain rows for bulk work: the sweep reads thousands and changes few.

A :class:`TicketRow` holds the columns the follow-ups read (planning, the notice texts, who is
told); :class:`TicketView` is what those readers accept, so a :class:`Ticket` object serves
them too. Rows are built without the ORM: a sweep over 5,000 due follow-ups spent more on
building ticket objects than on reading them. What a handler changes, it writes with one
statement per value written (:func:`set_alerts`, :func:`set_due_at`), keeping any object the
session holds in step.

Within :func:`shared_rows` (one sweep batch) a ticket is read once: the handlers and the
re-planning after them get the same row, kept in step with those writes.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import NamedTuple, Protocol

from sqlalchemy import Update, bindparam, update
from sqlalchemy import select as select_columns
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from storage import core
from storage.id_lists import in_ids
from storage.models import Ticket


class TicketView(Protocol):
    """The ticket columns follow-ups read: a :class:`Ticket` or a :class:`TicketRow`."""

    @property
    def id(self) -> int | None: ...
    @property
    def community_code(self) -> str: ...
    @property
    def grid(self) -> str | None: ...
    @property
    def room_id(self) -> str | None: ...
    @property
    def reporter_id(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def klass(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def responsible(self) -> str | None: ...
    @property
    def state(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def assignee_id(self) -> str | None: ...
    @property
    def assignee_name(self) -> str | None: ...
    @property
    def acknowledged_at(self) -> datetime | None: ...
    @property
    def answered_at(self) -> datetime | None: ...
    @property
    def resolved_at(self) -> datetime | None: ...
    @property
    def alerts(self) -> int: ...
    @property
    def visit_asked_at(self) -> datetime | None: ...


class TicketRow(NamedTuple):
    """A ticket's columns of :class:`TicketView`, read without the ORM (never written back).

    A named tuple rather than a frozen dataclass: as cheap to build as the row it comes from.
    """

    id: int
    community_code: str
    grid: str | None
    room_id: str | None
    reporter_id: str
    text: str
    klass: str
    location: str
    responsible: str | None
    state: str
    created_at: datetime
    due_at: datetime | None
    assignee_id: str | None
    assignee_name: str | None
    acknowledged_at: datetime | None
    answered_at: datetime | None
    resolved_at: datetime | None
    alerts: int
    visit_asked_at: datetime | None


_TICKETS = Ticket.metadata.tables["tickets"]
# The table's columns of a TicketRow, in order: a query that joins tickets selects these and
# builds its rows with TicketRow._make.
TICKET_COLUMNS = tuple(_TICKETS.c[name] for name in TicketRow._fields)
# Built once, the ids one expanding parameter: coercing thousands of ids into a new statement
# each time cost more than reading their rows.
_BY_ID = select_columns(*TICKET_COLUMNS).where(_TICKETS.c.id.in_(bindparam("ids", expanding=True)))


_SHARED = "liufang.shared_ticket_rows"


@contextmanager
def shared_rows(session: Session) -> Iterator[None]:
    """Within it, :func:`ticket_rows` reads each ticket once and hands out the same row again.

    A row is handed out again only while the session holds no object of its ticket: a ticket
    changed through its object (which the session holds until the transaction's end, see
    ``storage.followups.note_touched``) is read afresh, and :func:`set_alerts` and
    :func:`set_due_at` keep the rows in step. Other writes to tickets must not happen inside.
    """
    session.info[_SHARED] = {}
    try:
        yield
    finally:
        session.info.pop(_SHARED, None)


def share(session: Session, rows: Iterable[TicketRow]) -> None:
    """Within :func:`shared_rows`, hand out these rows, just read in this transaction (a
    query that joined the tickets), as if :func:`ticket_rows` had read them; else nothing."""
    shared: dict[int, TicketRow] | None = session.info.get(_SHARED)
    if shared is not None:
        for row in rows:
            shared.setdefault(row.id, row)


def ticket_rows(session: Session, ids: Collection[int]) -> dict[int, TicketRow]:
    """The tickets with these numbers (those that exist) as plain rows, in one query.

    The session is flushed first, so a change it holds reads as it is now. The columns are
    the table's, not the ORM's: a Core select skips the ORM's result machinery, nearly half
    the cost of reading thousands of rows (and, unlike an ORM select, does not autoflush).
    """
    if not ids:
        return {}
    shared: dict[int, TicketRow] | None = session.info.get(_SHARED)
    found: dict[int, TicketRow] = {}
    if shared:
        held = _held_ids(session)
        missing = []
        for i in ids:
            row = shared.get(i)
            if row is None or i in held:
                missing.append(i)
            else:
                found[i] = row
        ids = missing
        if not ids:
            return found
    # all(): one fetchall, where iterating the result fetches row by row.
    result = core.connection(session).execute(_BY_ID, {"ids": list(ids)})
    read = {row[0]: TicketRow._make(row) for row in result.all()}
    if shared is not None:
        shared.update(read)
    found.update(read)
    return found


@functools.cache
def _set_statement(name: str, dialect: str) -> Update:
    """Write ``value`` to column ``name`` of the tickets ``ids``, built once per dialect."""
    column = _TICKETS.c[name]
    return (
        update(_TICKETS)
        .where(in_ids(_TICKETS.c.id, dialect))
        .values({name: bindparam("value", type_=column.type)})
    )


def _held_ids(session: Session) -> set[int]:
    # The identity keys (class, (id,), token), not the objects: reading an attribute of an
    # expired object would load it.
    keys = session.identity_map.keys()
    return {key[1][0] for key in keys if key[0] is Ticket}


def set_alerts(session: Session, alerts: Mapping[int, int]) -> None:
    """Write tickets' alarm-ladder counts (id → alerts), a statement per count; never commits."""
    _set_column(session, "alerts", alerts)


def set_due_at(session: Session, due: Mapping[int, datetime]) -> None:
    """Write tickets' deadlines (id → due_at), a statement per deadline; never commits."""
    _set_column(session, "due_at", due)


def _set_column(session: Session, name: str, values: Mapping[int, object]) -> None:
    if not values:
        return
    # A Core UPDATE on the table per value written, the tickets one id list: no object loaded
    # or built, and no parameter set per ticket (SQLAlchemy's executemany spent more on each
    # than SQLite's update). A sweep writes few values: the ladder's next slot, a deadline
    # per class.
    by_value: dict[object, list[int]] = {}
    for i, v in values.items():
        by_value.setdefault(v, []).append(i)
    conn = core.connection(session)
    statement = _set_statement(name, conn.dialect.name)
    for value, ids in by_value.items():
        conn.execute(statement, {"value": value, "ids": ids})
    shared: dict[int, TicketRow] | None = session.info.get(_SHARED)
    if shared:  # the rows handed out again read the value written
        at = TicketRow._fields.index(name)
        for i, v in values.items():
            if (row := shared.get(i)) is not None:
                shared[i] = TicketRow._make((*row[:at], v, *row[at + 1 :]))
    # An object of the same ticket the session holds must not read (or flush) the old value.
    for obj in session.identity_map.values():
        if isinstance(obj, Ticket) and obj.id is not None and obj.id in values:
            set_committed_value(obj, name, values[obj.id])
