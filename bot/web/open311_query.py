"""Open311 ``requests.json`` queries: the parameters checked, then indexed SELECTs.

The first query of a window finds which tickets match (id, last change, state: newest first,
at most :data:`MAX_RESULTS`, as three joined texts); only the tickets whose published form is
not cached yet are then read, column by column (no ORM objects), each with its latest note.
Tickets asked for by id are read whole at once (:func:`match_rows`): they are few, and mostly
not cached. Every statement is built once, its values bound at execution, and runs on the
driver connection (:mod:`storage.driver`) on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from multidict import MultiMapping
from sqlalchemy import (
    Connection,
    Select,
    String,
    bindparam,
    case,
    text,
)
from sqlalchemy import select as select_columns
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from bot.web.open311_format import (
    NOTE_KINDS,
    SERVICES,
    STATES_BY_STATUS,
    STATUS_BY_STATE,
    Open311Error,
    parse_w3c,
)
from bot.web.reads import in_transaction
from storage.driver import Driver
from storage.models import Member, Ticket, TicketEvent
from storage.models.tickets import FEED_OPEN_STATES, FEED_OPEN_WHERE

MAX_RESULTS = 1000
MAX_SPAN = timedelta(days=90)  # the spec: a date range may not span more than 90 days
_ID = re.compile(r"^\s*[Tt#]?(\d{1,12})\s*$")

# Core columns, not ORM attributes: building and executing a plain statement costs a fraction.
T = Ticket.metadata.tables["tickets"].c
E = TicketEvent.metadata.tables["ticket_events"].c
M = Member.metadata.tables["members"].c


class as_text(FunctionElement[str]):  # lower case: it reads as a SQL function
    """A column's value as text: on SQLite as it is stored (a datetime is stored as text)."""

    type = String()
    name = "as_text"
    inherit_cache = True


@compiles(as_text)
def _as_text(element: as_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS VARCHAR)"


@compiles(as_text, "sqlite")
def _as_text_sqlite(element: as_text, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


# The last change as the database writes it as text, compared for equality only (no datetime
# made of it): with the id and the state, what tells a cached answer is current.
VERSION = as_text(T.updated_at).label("version")
COLUMNS = (
    T.id,
    T.community_code,
    T.grid,
    T.reporter_name,
    T.text,
    T.category,
    T.route,
    T.location,
    T.responsible,
    T.state,
    T.created_at,
    T.updated_at,
    T.due_at,
    T.merged_into,
    T.resolution,
    T.lat,
    T.lon,
)
# The latest note of a ticket past ``reported`` that says what was done or decided (progress,
# resolution, rejection; an empty one says nothing): NULL when there is none. Read with the
# ticket's row, one index probe each, instead of a query of its own.
_LATEST_NOTE = (
    select_columns(E.note)
    .where(E.ticket_id == T.id, E.kind.in_(NOTE_KINDS), E.note != "")
    .order_by(E.id.desc())
    .limit(1)
    .scalar_subquery()
)
NOTE = case((T.state != "reported", _LATEST_NOTE)).label("note")


@dataclass(frozen=True, slots=True)
class RequestQuery:
    """What ``requests.json`` was asked for, checked."""

    ids: tuple[int, ...] = ()  # when given, every other filter is ignored (the spec says so)
    service_codes: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    community: str | None = None


def split_list(params: MultiMapping[str], name: str) -> list[str]:
    """A parameter that may be repeated and comma-delimited, as separate values."""
    return [v.strip() for raw in params.getall(name, []) for v in raw.split(",") if v.strip()]


def request_ids(values: Sequence[str]) -> tuple[int, ...]:
    """Ticket numbers (``12``, also ``T12``), or a 400 error naming the bad one."""
    ids = []
    for value in values:
        m = _ID.match(value)
        if m is None:
            raise Open311Error(400, f"service_request_id {value!r} is not a request id")
        ids.append(int(m[1]))
    if len(ids) > MAX_RESULTS:
        raise Open311Error(400, f"at most {MAX_RESULTS} service_request_id values at once")
    return tuple(dict.fromkeys(ids))


def community_of(params: Mapping[str, str], communities: Collection[str]) -> str | None:
    """The community a ``jurisdiction_id`` names (None when absent), or a 400 error."""
    jurisdiction = (params.get("jurisdiction_id") or "").strip()
    if not jurisdiction:
        return None
    if jurisdiction not in communities:
        known = ", ".join(communities)
        raise Open311Error(400, f"jurisdiction_id {jurisdiction!r} unknown; use one of: {known}")
    return jurisdiction


def parse_query(
    params: MultiMapping[str], now: datetime, tz: tzinfo, communities: Collection[str]
) -> RequestQuery:
    """The checked query, or an :class:`Open311Error` (400) naming the bad parameter."""
    community = community_of(params, communities)
    ids = split_list(params, "service_request_id")
    if ids:
        return RequestQuery(ids=request_ids(ids))
    codes = split_list(params, "service_code")
    for code in codes:
        if code not in SERVICES:
            raise Open311Error(400, f"service_code {code!r} unknown; see services.json")
    states: list[str] = []
    for status in split_list(params, "status"):
        if status not in STATES_BY_STATUS:
            raise Open311Error(400, f"status {status!r} must be open or closed")
        states.extend(STATES_BY_STATUS[status])
    start_raw, end_raw = params.get("start_date"), params.get("end_date")
    start = parse_w3c("start_date", start_raw, tz) if start_raw else None
    end = parse_w3c("end_date", end_raw, tz) if end_raw else None
    if start is None and end is None:
        end = now
    if start is None:
        start = (end or now) - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if end < start:
        raise Open311Error(400, "end_date is before start_date")
    if end - start > MAX_SPAN:
        raise Open311Error(400, "start_date to end_date may not span more than 90 days")
    return RequestQuery(
        service_codes=tuple(dict.fromkeys(codes)),
        states=tuple(dict.fromkeys(states)),
        start=start,
        end=end,
        community=community,
    )


Key = tuple[int, str, str]  # (id, version, state): what tells a cached answer is current
Joined = tuple[str, str, str]  # the ids, versions and states of a window, each joined by ","
_SEPARATOR = ","  # no id, version or state holds one


class joined(FunctionElement[str]):  # lower case: it reads as a SQL function
    """One column of an ordered subquery (``value``, then its ``created_at`` and ``id``) as
    one text, in the subquery's order, separated by :data:`_SEPARATOR`; NULL for no rows."""

    type = String()
    name = "joined"
    inherit_cache = True


@compiles(joined)
def _joined(element: joined, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite's group_concat takes the rows of a subquery with a LIMIT in the order it made
    # them (its co-routine feeds the aggregate row by row).
    value = compiler.process(next(iter(element.clauses)), **kw)
    return f"group_concat({value}, '{_SEPARATOR}')"


@compiles(joined, "postgresql")
def _joined_postgresql(element: joined, compiler: SQLCompiler, **kw: Any) -> str:
    # PostgreSQL promises no order to an aggregate but its own ORDER BY.
    value, created, ident = (compiler.process(c, **kw) for c in element.clauses)
    return f"string_agg(({value})::text, '{_SEPARATOR}' ORDER BY {created} DESC, {ident} DESC)"


class unindexed(FunctionElement[str]):  # lower case: it reads as a SQL function
    """A text column's value that no index may serve (the column itself, for comparing)."""

    type = String()
    name = "unindexed"
    inherit_cache = True


@compiles(unindexed)
def _unindexed(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} || '')"


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite's own idiom, the same value: per row it costs half of ``|| ''``.
    return f"+{compiler.process(element.clauses, **kw)}"


# The ``states`` of a key query: none asked, the open ones (as the partial index's literal
# term, so that SQLite reads that index: a third of the rows), or others (bound).
NO_STATES, OPEN, BOUND = "", "open", "bound"
_ALL_STATES = set(STATUS_BY_STATE)
_OPEN_STATES = set(FEED_OPEN_STATES)


@functools.cache
def _keys_statement(
    community: bool, codes: bool, states: str, start: bool, end: bool
) -> Select[str, str, str]:
    """The key query of one shape, built once: its values are bound at execution (expanding
    for the lists), so neither building it nor SQLAlchemy's cache key costs each request.

    Its one row is three texts, the ids, the versions and the states joined: read row by row,
    a key cost the driver more than the database took to find it (a row object, three values,
    the GIL released at each step); made into one string by the database, more again.
    """
    stmt = select_columns(T.id, VERSION, T.state, T.created_at)
    # A window is at most 90 days: scanning it in the covering feed index always beats a
    # plan on (community, …) that sorts years of tickets, which SQLite picks when it has
    # no statistics. ``unindexed`` keeps the community from choosing an index.
    if community:
        stmt = stmt.where(unindexed(T.community_code) == bindparam("community"))
    if codes:
        stmt = stmt.where(T.category.in_(bindparam("codes", expanding=True)))
    if states == OPEN:
        stmt = stmt.where(text(FEED_OPEN_WHERE))
    elif states == BOUND:
        stmt = stmt.where(T.state.in_(bindparam("states", expanding=True)))
    if start:
        stmt = stmt.where(T.created_at >= bindparam("start"))
    if end:
        stmt = stmt.where(T.created_at <= bindparam("end"))
    found = stmt.order_by(T.created_at.desc(), T.id.desc()).limit(MAX_RESULTS).subquery()
    order = (found.c.created_at, found.c.id)
    return select_columns(
        joined(found.c.id, *order), joined(found.c.version, *order), joined(found.c.state, *order)
    )


def fetch(conn: Connection, stmt: ClauseElement, values: dict[str, Any]) -> list[Any]:
    """The rows of ``stmt`` with ``values`` (tuples, values as SQLAlchemy reads them), read in
    the transaction of ``conn`` (begun if need be).

    The statement, compiled once (per length of its lists), runs straight on the driver
    (:mod:`storage.driver`): SQLAlchemy's execution cost more than most of these reads.
    """
    if not in_transaction(conn):
        conn.begin()  # as SQLAlchemy's execution would: the reads share one snapshot
    return Driver(conn).rows(stmt, values)


_ROWS = select_columns(*COLUMNS, VERSION, NOTE).where(T.id.in_(bindparam("ids", expanding=True)))
_ROW_NAMES = tuple(_ROWS.selected_columns.keys())
_ROWS_BY_ID = _ROWS.order_by(T.created_at.desc(), T.id.desc()).limit(MAX_RESULTS)
_MEMBERS = select_columns(M.community_code, M.name).where(
    M.community_code.in_(bindparam("codes", expanding=True))
)


def match_rows(conn: Connection, ids: Collection[int]) -> list[dict[str, Any]]:
    """The published columns (as :func:`load_rows`) of the tickets of these ids, newest
    first, at most :data:`MAX_RESULTS`."""
    found = fetch(conn, _ROWS_BY_ID, {"ids": list(ids)})
    return [dict(zip(_ROW_NAMES, values, strict=True)) for values in found]


def key_of(row: Mapping[str, Any]) -> Key:
    """The key of a row of :func:`load_rows` or :func:`match_rows`."""
    return (row["id"], row["version"], row["state"])


def match_keys(conn: Connection, query: RequestQuery) -> list[Key]:
    """``(id, version, state)`` of the matching tickets, newest first, at most
    :data:`MAX_RESULTS`: enough to tell which cached answers are still current."""
    if query.ids:
        return [key_of(row) for row in match_rows(conn, query.ids)]
    return split_keys(joined_keys(conn, query))


def split_keys(found: Joined) -> list[Key]:
    """The keys of :func:`joined_keys`."""
    ids, versions, states = found
    if not ids:
        return []
    return list(
        zip(
            map(int, ids.split(_SEPARATOR)),
            versions.split(_SEPARATOR),
            states.split(_SEPARATOR),
            strict=True,
        )
    )


def joined_keys(conn: Connection, query: RequestQuery) -> Joined:
    """The keys of the tickets matching ``query`` (not by id), newest first, as three texts
    (see :func:`split_keys`): equal texts, equal answers."""
    asked = set(query.states)
    states = NO_STATES if not asked or asked == _ALL_STATES else BOUND
    if asked == _OPEN_STATES:
        states = OPEN
    stmt = _keys_statement(
        bool(query.community),
        bool(query.service_codes),
        states,
        bool(query.start),
        bool(query.end),
    )
    params: dict[str, Any] = {
        "community": query.community,
        "codes": query.service_codes,
        "start": query.start,
        "end": query.end,
    }
    if states == BOUND:
        params["states"] = query.states
    ((ids, versions, states),) = fetch(conn, stmt, params)
    return (ids or "", versions or "", states or "")


def load_rows(conn: Connection, ids: Collection[int]) -> list[dict[str, Any]]:
    """The published columns of these tickets and each one's latest note (``note``), as
    mappings (values as SQLAlchemy reads them)."""
    if not ids:
        return []
    found = fetch(conn, _ROWS, {"ids": list(ids)})
    return [dict(zip(_ROW_NAMES, values, strict=True)) for values in found]


def member_names(conn: Connection, communities: Collection[str]) -> dict[str, tuple[str, ...]]:
    """The directory's member names by community: the feed hides them in published text."""
    if not communities:
        return {}
    found: dict[str, list[str]] = {}
    for code, name in fetch(conn, _MEMBERS, {"codes": list(communities)}):
        found.setdefault(code, []).append(name)
    return {code: tuple(names) for code, names in found.items()}
