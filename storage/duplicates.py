"""Queries of the duplicate check: recent open tickets like a new report, and who reported."""

from __future__ import annotations

import functools
from collections.abc import Collection
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    bindparam,
    func,
    literal_column,
    text,
    type_coerce,
)
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from storage import core, driver
from storage.models import Ticket, TicketReport, UtcDateTime
from storage.models.tickets import FEED_OPEN_STATES, FEED_OPEN_WHERE


class Candidate(NamedTuple):
    """The columns of a ticket that the duplicate score needs."""

    id: int
    location: str
    search_text: str
    klass: str
    recent: bool  # created at or after the ``recent_since`` asked for
    lat: float | None
    lon: float | None


@functools.lru_cache(maxsize=8)
def _candidates_statement(
    open_states: tuple[str, ...], limit: int, dialect: str = "postgresql", near: bool = False
) -> Select[int | None, str, str, str, int, float | None, float | None]:
    """The candidates query, built once per dialect: every report runs it, and building a
    select (and its cache key) cost more than SQLite's answer. The per-report values are
    bind parameters; ``near``: of the newest ``limit``, only those whose location contains
    ``:near`` (see :func:`candidates`).

    The open states are written as the literals of ``ix_tickets_open_by_category``'s WHERE
    when they are those states (a database uses a partial index only for a query that
    implies its WHERE), so both databases walk that index: the community's open tickets of
    the category, newest first by key, stopping at the limit. On SQLite the index also
    holds the filing time and the location, so the newest ``limit`` are chosen and narrowed
    to the ``near`` ones without reading a ticket row; only those that pass are read.
    """
    tickets = Ticket.__table__  # type: ignore[attr-defined]  # set by table=True
    if dialect != "sqlite":
        return _plain_statement(tickets, open_states, limit, near)
    newest = (
        select_columns(tickets.c.id, tickets.c.location)
        .where(
            tickets.c.community_code == bindparam("community"),
            tickets.c.category == bindparam("category"),
            # The unary + keeps SQLite off ix_tickets_community_created (without statistics
            # it prefers that range to the walk in key order, and then sorts the window).
            literal_column("+tickets.created_at", UtcDateTime())
            >= bindparam("since", type_=UtcDateTime()),
            _open(tickets, open_states),
            # source_msg_id is unique and never NULL: "not this message's ticket" asked once,
            # by key, instead of reading each ticket's source_msg_id.
            tickets.c.id.is_not(_own_ticket(tickets)),
        )
        .order_by(tickets.c.id.desc())
        .limit(limit)
        .subquery("newest")
    )
    row = tickets.alias("t")
    statement = (
        select_columns(*_columns(row))
        .select_from(newest.join(row, row.c.id == newest.c.id))
        .order_by(row.c.id.desc())
    )
    return statement.where(_contains(newest.c.location, "sqlite")) if near else statement


def _columns(table: Any) -> tuple[ColumnElement[Any], ...]:
    """The columns of a :class:`Candidate`, of ``table`` (the tickets table or an alias)."""
    return (
        # Seven columns: past the four sqlmodel's select is typed for, so SQLAlchemy's own.
        table.c.id,
        table.c.location,
        table.c.search_text,
        table.c.klass,
        # A flag, not the time: parsing dozens of timestamps per report cost more than
        # the query, and the score only asks whether the ticket is recent. Read as the
        # driver gives it (0/1 or a bool) and made a bool below: no conversion per row.
        type_coerce(table.c.created_at >= bindparam("recent_since"), Integer).label("recent"),
        table.c.lat,
        table.c.lon,
    )


def _open(table: Any, open_states: tuple[str, ...]) -> ColumnElement[bool]:
    """``table``'s state is one of ``open_states``: the partial index's literal term when
    they are its states (``table`` is then the tickets table itself, unaliased)."""
    if set(open_states) == set(FEED_OPEN_STATES):
        return text(FEED_OPEN_WHERE)  # type: ignore[return-value]
    return table.c.state.in_(list(open_states))


def _own_ticket(tickets: Any) -> Any:
    """The id of the ticket of ``:source`` (NULL when there is none), a scalar subquery of
    an alias: the enclosing query's tickets are not correlated into it."""
    own = tickets.alias("own")
    return (
        select_columns(own.c.id)
        .where(own.c.source_msg_id == bindparam("source"))
        .scalar_subquery()
    )


def _contains(location: ColumnElement[str], dialect: str) -> ColumnElement[bool]:
    """``location`` contains ``:near``: a plain substring position (``instr``, ``strpos``), as
    Python's ``in``; not LIKE, whose bound pattern makes SQLite prepare the statement again
    at every execution (it may change the plan), which cost as much as the rows it spared."""
    position = func.instr if dialect == "sqlite" else func.strpos
    return position(location, bindparam(_NEAR, type_=String())) > 0


def _plain_statement(
    tickets: Any, open_states: tuple[str, ...], limit: int, near: bool
) -> Select[Any]:
    """The candidates query as PostgreSQL plans it well, with its statistics: the newest
    ``limit`` open tickets of the window, then (``near``) those of them near the report."""
    newest = (
        select_columns(*_columns(tickets))
        .where(
            tickets.c.community_code == bindparam("community"),
            tickets.c.category == bindparam("category"),
            tickets.c.created_at >= bindparam("since"),
            _open(tickets, open_states),
            tickets.c.source_msg_id != bindparam("source"),
        )
        .order_by(tickets.c.id.desc())
        .limit(limit)
    )
    if not near:
        return newest
    # The filter applies to the newest rows the inner query chose, not before its LIMIT:
    # the candidates are the same tickets as without it, less those that cannot match.
    inner = newest.subquery("newest")
    return (
        select_columns(*inner.c)
        .where(_contains(inner.c.location, "postgresql"))
        .order_by(inner.c.id.desc())
    )


def candidates(
    session: Session,
    *,
    community: str,
    category: str,
    open_states: Collection[str],
    since: datetime,
    source_msg_id: str,
    limit: int,
    recent_since: datetime,
    near: str | None = None,
) -> list[Candidate]:
    """The newest open tickets of a community and category created since ``since``, but the
    one ``source_msg_id`` made; only the columns the score needs (loading whole tickets for
    hundreds of candidates would cost more than the scoring itself).

    ``near``: of those newest ``limit``, only the ones whose location contains this text (a
    building's number, a named spot) — the caller's own necessary test, asked in SQL so that
    the rows that could never match are not read into Python at all.
    """
    params = {
        "community": community,
        "category": category,
        "since": since,
        "source": source_msg_id,
        "recent_since": recent_since,
    }
    run = driver.of(session)
    stmt = _candidates_statement(tuple(open_states), limit, run.dialect.name, near is not None)
    if near is not None:
        params[_NEAR] = near
    # On the driver: columns, no objects, so SQLAlchemy's execution adds nothing but time.
    rows = run.rows(stmt, params)
    return [
        Candidate(ticket_id, location, search_text, klass, bool(recent), lat, lon)
        for ticket_id, location, search_text, klass, recent, lat, lon in rows
        if ticket_id is not None
    ]


_NEAR = "near"


@functools.cache
def _locked_ticket_statement() -> Select[Any]:
    """The row of ticket ``:id``, locked for update (PostgreSQL), built once per process."""
    table = Ticket.__table__  # type: ignore[attr-defined]  # set by table=True
    return core.select_rows(Ticket).where(table.c.id == bindparam("id")).with_for_update()


def locked_ticket(session: Session, ticket_id: int) -> Ticket | None:
    """The ticket with this id, locked until the transaction ends (``session.get`` with
    ``with_for_update``): its row read on the driver, the object the one the session holds
    or built as the ORM's loader builds one (``core.load``; its loading of the same row cost
    twice the query)."""
    found = core.load(session, Ticket, _locked_ticket_statement(), {"id": ticket_id})
    return found[0] if found else None


def add_report(
    session: Session,
    *,
    ticket_id: int,
    reporter_id: str,
    reporter_name: str,
    room_id: str | None,
    text: str,
    at: datetime,
    source_msg_id: str,
) -> None:
    """Record one more report of a ticket (a +1); written at once, no object is kept.

    A repeated ``source_msg_id`` is refused here, by the unique constraint.
    """
    row = {
        "ticket_id": ticket_id,
        "reporter_id": reporter_id,
        "reporter_name": reporter_name,
        "room_id": room_id,
        "text": text,
        "at": at,
        "source_msg_id": source_msg_id,
    }
    core.insert_rows(session, TicketReport, [row])


def has_report_from(session: Session, ticket_id: int | None, reporter_id: str) -> bool:
    """True when ``reporter_id`` added a report (a +1) to the ticket."""
    values = {"ticket": ticket_id, "reporter": reporter_id}
    return driver.of(session).first(_report_from_statement(), values) is not None


@functools.cache
def _report_from_statement() -> Select[int | None]:
    """A report of ``:ticket`` by ``:reporter``, if any, built once (every +1 asks)."""
    return (
        select_columns(col(TicketReport.id))
        .where(
            col(TicketReport.ticket_id) == bindparam("ticket"),
            col(TicketReport.reporter_id) == bindparam("reporter"),
        )
        .limit(1)
    )


def report_senders(session: Session, ticket_id: int | None) -> list[str]:
    """The reporter of each report added to the ticket (repeats included)."""
    stmt = select(TicketReport.reporter_id).where(TicketReport.ticket_id == ticket_id)
    return list(session.exec(stmt))
