"""Follow-ups: rows that say what the bot must do and when; the sweep reads what is due.

Every ticket change notes the ticket in the session (:func:`note_touched`), so the domain can
re-plan that ticket's follow-ups in the same transaction as the change.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Integer, Select, Update, bindparam, case, func, literal_column, update
from sqlalchemy import select as select_columns
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from storage import core, driver
from storage.checks import saved_id
from storage.core import insert_rows
from storage.id_lists import in_ids
from storage.models import FollowUp, Ticket, UtcDateTime
from storage.ticket_rows import TICKET_COLUMNS, TicketRow, share

_FOLLOWUPS = FollowUp.metadata.tables["followups"]
_DONE_AT, _OUTCOME = _FOLLOWUPS.c.done_at, _FOLLOWUPS.c.outcome
_TOUCHED = "liufang.touched_tickets"
_CREATED = "liufang.created_tickets"


def note_touched(session: Session, ticket: Ticket) -> None:
    """Remember that this transaction changed ``ticket``.

    The object itself is kept (not just its id): the session's identity map holds clean
    objects only weakly, and the planner should find the ticket there instead of reading it
    again.
    """
    ticket_id = saved_id(ticket)
    session.info.setdefault(_TOUCHED, {})[ticket_id] = ticket


def note_touched_ids(session: Session, ticket_ids: Iterable[int]) -> None:
    """Remember that this transaction changed these tickets, written without objects (the
    sweep's bulk updates): the planner reads them as plain rows."""
    touched = session.info.setdefault(_TOUCHED, {})
    for ticket_id in ticket_ids:
        touched.setdefault(ticket_id, None)


def note_created(session: Session, ticket: Ticket) -> None:
    """Remember that ``ticket`` was created in this transaction: it has no follow-ups yet."""
    ticket_id = saved_id(ticket)
    session.info.setdefault(_CREATED, set()).add(ticket_id)
    note_touched(session, ticket)


def take_touched(session: Session) -> dict[int, Ticket | None]:
    """The tickets changed since the last call, by id (and forget them); None for a ticket
    noted by id alone (:func:`note_touched_ids`).

    Keep the returned mapping while the tickets are used: it is what keeps them in the
    session's identity map.
    """
    return session.info.pop(_TOUCHED, {})


def schedule(
    session: Session,
    *,
    kind: str,
    community_code: str,
    due_at: datetime,
    now: datetime,
    ticket_id: int | None = None,
    meeting_id: int | None = None,
) -> FollowUp:
    """Add a follow-up; never commits."""
    row = FollowUp(
        kind=kind,
        community_code=community_code,
        ticket_id=ticket_id,
        meeting_id=meeting_id,
        due_at=due_at,
        created_at=now,
    )
    session.add(row)
    return row


class PendingRow(NamedTuple):
    """The columns of a pending follow-up that re-planning compares (no ORM object)."""

    id: int
    kind: str
    ticket_id: int | None
    due_at: datetime


def pending_for_tickets(session: Session, ticket_ids: Iterable[int]) -> list[PendingRow]:
    """Follow-ups of these tickets that have not run yet (one query, none for new tickets).

    Tickets created in this transaction can have none yet: they are skipped once (the next
    look, after the planner added some, reads them). Plain rows, not ORM objects: a sweep
    re-plans thousands of tickets, and an object per follow-up cost more than the query.
    """
    created = session.info.pop(_CREATED, set())
    ids = [i for i in ticket_ids if i not in created]
    if not ids:
        return []
    run = driver.of(session)
    if len(ids) == 1:
        # A chat message touches one ticket: its id bound as itself, not as a JSON list
        # (encoding it and SQLite's json_each cost more than the indexed read).
        rows = run.rows(_pending_statement(run.dialect.name, one=True), {"id": ids[0]})
    else:
        rows = run.rows(_pending_statement(run.dialect.name), {"ids": ids})
    # tuple.__new__ rather than _make: no Python frame per row (the columns fit by statement).
    new = tuple.__new__
    return [new(PendingRow, row) for row in rows]


@functools.cache
def _pending_statement(
    dialect: str, *, one: bool = False
) -> Select[int | None, str, int | None, datetime]:
    """The pending follow-ups of some tickets (``ids``, one list parameter; ``one``: of the
    ticket ``id``), built once per dialect: a select of columns run on the connection, since
    the ORM's execution of it cost more than SQLite's answer."""
    # SQLite keeps no statistics: offered the pending index for "done_at IS NULL" it scans
    # every pending row instead of the few rows of these tickets; the unary + (SQLite's
    # documented way to keep a term off an index) leaves it the ticket index. Done rows are
    # left out in SQL, not read and dropped: a ticket keeps every follow-up it ever had.
    # The columns come from the database after the flush: what finish() marked done, or
    # this session changed, reads as it is now.
    done_at = col(FollowUp.done_at)
    pending = (literal_column("+followups.done_at") if dialect == "sqlite" else done_at).is_(None)
    return select_columns(
        col(FollowUp.id),
        col(FollowUp.kind),
        col(FollowUp.ticket_id),
        col(FollowUp.due_at),
    ).where(
        _FOLLOWUPS.c.ticket_id == bindparam("id")
        if one
        else in_ids(_FOLLOWUPS.c.ticket_id, dialect),
        pending,
    )


def pending_for_meetings(session: Session, meeting_ids: Iterable[int]) -> list[FollowUp]:
    """Follow-ups of these meetings that have not run yet (one query)."""
    ids = list(meeting_ids)
    if not ids:
        return []
    stmt = select(FollowUp).where(
        col(FollowUp.meeting_id).in_(ids), col(FollowUp.done_at).is_(None)
    )
    return list(session.exec(stmt))


class DueRow(NamedTuple):
    """A follow-up the sweep runs: the columns its handler reads (no ORM object)."""

    id: int
    kind: str
    community_code: str
    ticket_id: int | None
    meeting_id: int | None
    due_at: datetime


_DUE_WIDTH = len(DueRow._fields)


def due(session: Session, now: datetime, limit: int) -> list[DueRow]:
    """Follow-ups whose time has come, earliest first (one indexed query).

    Plain rows through a Core select of the table's columns, not ORM objects: a sweep reads
    thousands, and building an object for each cost more than the rest of reading them. The
    tickets they are about come in the same query (joined by key, as the least any sweep must
    read): within :func:`storage.ticket_rows.shared_rows` the batch's handlers get those rows
    instead of reading the tickets again, one query and an id list of thousands each.
    """
    # core.connection flushes first: a Core select does not autoflush. all(): one fetchall.
    result = core.connection(session).execute(_due_statement(), {"now": now, "limit": limit})
    found: list[DueRow] = []
    tickets: dict[int, TicketRow] = {}
    # tuple.__new__ rather than _make: no Python frame per row (the columns fit by statement).
    new = tuple.__new__
    for row in result.all():
        found.append(new(DueRow, row[:_DUE_WIDTH]))
        ticket_id = row[_DUE_WIDTH]
        if ticket_id is not None and ticket_id not in tickets:
            tickets[ticket_id] = new(TicketRow, row[_DUE_WIDTH:])
    share(session, tickets.values())
    return found


@functools.cache
def _due_statement() -> Select[Any]:
    """The due follow-ups with their tickets' columns (``now``, ``limit``), built once."""
    table = _FOLLOWUPS.c
    tickets = TICKET_COLUMNS[0].table
    return (
        select_columns(*(table[name] for name in DueRow._fields), *TICKET_COLUMNS)
        .select_from(_FOLLOWUPS.outerjoin(tickets, tickets.c.id == table.ticket_id))
        .where(
            table.done_at.is_(None),
            table.due_at <= bindparam("now", type_=UtcDateTime()),
        )
        .order_by(table.due_at, table.id)
        .limit(bindparam("limit", type_=Integer()))
    )


def next_due(session: Session, after: datetime) -> datetime | None:
    """When the earliest pending follow-up due after ``after`` falls due (None: none is)."""
    stmt = (
        select(FollowUp.due_at)
        .where(col(FollowUp.done_at).is_(None), col(FollowUp.due_at) > after)
        .order_by(col(FollowUp.due_at))
        .limit(1)
    )
    return session.exec(stmt).first()


def finish(session: Session, ids: Sequence[int], now: datetime, outcome: str) -> None:
    """Mark follow-ups done (``sent``, ``skipped`` or ``cancelled``) in one statement."""
    if not ids:
        return
    # A row already done keeps its time and outcome. Tested in SET, not WHERE: with
    # "done_at IS NULL" in the WHERE clause SQLite walks the pending index (every pending row
    # of every ticket) instead of looking the ids up by key, several times slower.
    # A Core UPDATE of the table built once, the ids one list parameter: the ORM's bulk
    # UPDATE, and coercing each of thousands of ids into the statement, cost more than the
    # UPDATE itself. Flushed first (core.connection), as the ORM statement autoflushed.
    conn = core.connection(session)
    conn.execute(
        _finish_statement(conn.dialect.name),
        {"ids": ids, "finished_at": now, "result": outcome},
    )
    # Keep the rows this session has loaded in step, as synchronize_session="evaluate" would,
    # but by id: the evaluator tests the criteria against every object in the session, which
    # took longer than the whole rest of a 5,000-row sweep. One pass over the session's
    # objects: the sweep holds few follow-up objects (it reads plain rows), and an identity
    # key per finished id cost more than the UPDATE.
    held = [obj for obj in session.identity_map.values() if isinstance(obj, FollowUp)]
    if not held:
        return
    finished = set(ids)
    for row in held:
        if row.id in finished and row.done_at is None:
            set_committed_value(row, "done_at", now)
            set_committed_value(row, "outcome", outcome)


@functools.cache
def _finish_statement(dialect: str) -> Update:
    """Mark the follow-ups ``ids`` done at ``finished_at`` with ``result``, built once per
    dialect."""
    return (
        update(_FOLLOWUPS)
        .where(in_ids(_FOLLOWUPS.c.id, dialect))
        .values(
            done_at=func.coalesce(_DONE_AT, bindparam("finished_at", type_=UtcDateTime())),
            outcome=case(
                (_DONE_AT.is_(None), bindparam("result", type_=_OUTCOME.type)), else_=_OUTCOME
            ),
        )
    )


def add_many(session: Session, rows: Sequence[Mapping[str, object]]) -> None:
    """Insert many follow-ups in one executemany; their ids are not read back."""
    # Adding rows one by one would cost an INSERT each, since SQLite cannot batch
    # INSERT … RETURNING.
    insert_rows(session, FollowUp, rows)
