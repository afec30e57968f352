"""The ticket list behind ``/`` and ``/tickets.csv``: filters from the query string, one query.

Every list is newest first, filtered in SQL and cut with LIMIT, so a page costs the same with
a hundred or a hundred thousand tickets: no total is counted, a page knows only whether another
follows (it asks for one row more than it shows).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import ColumnElement, Connection, Engine, Select, create_engine, event
from sqlmodel import Session, col, select

from bot.config_web import WebUser
from handlers.followups import overdue
from handlers.followups.overdue import overdue_where
from handlers.policy import Policy
from handlers.vocabulary import CATEGORY_LABELS, CLASS_LABELS, STATES
from storage.checks import zone_of
from storage.db import SQLITE_BUSY_TIMEOUT_MS, Database
from storage.models import Ticket
from storage.search import newest_matching, query_terms

PAGE_SIZE = 30
MAX_PAGE = 1000  # deeper than anyone pages by hand; keeps OFFSET bounded
MAX_QUERY_CHARS = 50
CSV_BATCH = 1000

# The Core table, not the ORM attributes: a statement of plain columns is built, keyed for the
# compiled cache and executed in a fraction of the time of an ORM-annotated one, and a list
# page is mostly that overhead (the indexed query itself takes a tenth of a millisecond).
TICKETS = Ticket.metadata.tables["tickets"]
T = TICKETS.c


@dataclass(frozen=True, slots=True)
class ListFilters:
    """What the list shows; empty strings mean "any"."""

    community: str = ""
    grid: str = ""
    klass: str = ""
    category: str = ""
    state: str = ""
    overdue: bool = False
    q: str = ""
    page: int = 1

    @classmethod
    def parse(cls, query: Mapping[str, str], user: WebUser, codes: Sequence[str]) -> ListFilters:
        """Filters from a query string; unknown values are ignored rather than refused."""

        def pick(key: str, allowed: Collection[str]) -> str:
            value = query.get(key, "")
            return value if value in allowed else ""

        # A community member always sees their own community, whatever the URL says.
        community = user.community if user.community != "*" else pick("community", codes)
        try:
            page = min(max(int(query.get("page", "1")), 1), MAX_PAGE)
        except ValueError:
            page = 1
        return cls(
            community=community,
            grid=query.get("grid", "")[:100],
            klass=pick("klass", [c for c in CLASS_LABELS if c != "none"]),
            category=pick("category", [c for c in CATEGORY_LABELS if c != "none"]),
            state=pick("state", STATES),
            overdue=query.get("overdue", "") in ("1", "on", "true"),
            q=query.get("q", "").strip()[:MAX_QUERY_CHARS],
            page=page,
        )

    def query_string(self, **changes: Any) -> str:
        """The URL query for these filters (with ``changes``), without empty values."""
        # Three per page: a plain dict of the fields, not asdict(replace(…)), which deep-copies.
        unknown = changes.keys() - _FILTER_FIELDS
        if unknown:
            raise TypeError(f"unknown filters: {sorted(unknown)}")
        values = {name: changes.get(name, getattr(self, name)) for name in _FILTER_FIELDS}
        values["overdue"] = "1" if values["overdue"] else ""
        if values["page"] == 1:
            values["page"] = ""
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


_FILTER_FIELDS = tuple(f.name for f in fields(ListFilters))


@dataclass(frozen=True, slots=True)
class ListQuery:
    """The SQL of a filtered list: its WHERE conditions and its search words, if any."""

    where: tuple[ColumnElement[bool], ...]
    terms: tuple[str, ...] = ()

    def select(self, dialect: str, *columns: Any) -> Select[Any]:
        """``SELECT columns`` of the matching tickets, newest first."""
        statement = select(*columns).where(*self.where)
        if self.terms:
            return newest_matching(statement, dialect, self.terms)
        return statement.order_by(T.id.desc())


def conditions(
    filters: ListFilters,
    codes: Sequence[str] | None,
    now: datetime,
    dialect: str,
    tokenize: Callable[[str], list[str]],
) -> ListQuery | None:
    """The query of ``filters`` within communities ``codes`` (None: every community); None
    when nothing can match (a search with no searchable word)."""
    where: list[ColumnElement[bool]] = []
    if filters.community:
        where.append(T.community_code == filters.community)
    elif codes is not None:
        where.append(T.community_code.in_(list(codes)))
    if filters.grid:
        where.append(T.grid == filters.grid)
    if filters.klass:
        where.append(T.klass == filters.klass)
    if filters.category:
        where.append(T.category == filters.category)
    if filters.state:
        where.append(T.state == filters.state)
    if filters.overdue:
        where.extend(overdue_where(dialect, now))
    terms: tuple[str, ...] = ()
    if filters.q:
        terms = tuple(query_terms(tokenize(filters.q)))
        if not terms:
            return None
    return ListQuery(tuple(where), terms)


class ListItem(Protocol):
    """The columns a list line shows (a :class:`Ticket` has them all)."""

    id: int | None
    klass: str
    text: str
    plus_ones: int
    community_code: str
    grid: str | None
    category: str
    state: str
    created_at: datetime
    due_at: datetime | None
    assignee_id: str | None
    acknowledged_at: datetime | None


# Only these columns are read for a list page: plain rows, no ORM objects to build and track.
LIST_COLUMNS = (
    T.id,
    T.klass,
    T.text,
    T.plus_ones,
    T.community_code,
    T.grid,
    T.category,
    T.state,
    T.created_at,
    T.due_at,
    T.assignee_id,
    T.acknowledged_at,
)


def is_overdue(ticket: ListItem, now: datetime, policy: Policy) -> bool:
    """超期 as ``handlers.followups.overdue`` defines it, for a list line or a ticket."""
    return overdue.is_overdue(ticket, now, policy, zone_of(now))


def list_page(session: Session, query: ListQuery | None, page: int) -> tuple[list[ListItem], bool]:
    """One page of tickets, newest first, and whether another page follows."""
    if query is None:
        return [], False
    dialect = session.get_bind().dialect.name
    statement = (
        query.select(dialect, *LIST_COLUMNS).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    )
    # Core rows through the session's connection: the ORM's result machinery costs more than
    # the query itself for 31 plain rows.
    rows: list[ListItem] = list(session.connection().execute(statement).all())
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def batches(reader: Reader, query: ListQuery | None) -> Iterator[Callable[[], list[Ticket]]]:
    """Loaders of the whole filtered list in batches (newest first), each in its own session.

    Each batch continues below the last id seen (keyset paging): no OFFSET grows with the file,
    and no transaction stays open while the response is being written. Call each loader
    before asking for the next.
    """
    if query is None:
        return
    last: list[int | None] = [None]

    def load() -> list[Ticket]:
        where = query.where if last[0] is None else (*query.where, col(Ticket.id) < last[0])
        statement = ListQuery(where, query.terms).select(reader.dialect, Ticket).limit(CSV_BATCH)
        with reader.session() as session:
            rows = list(session.scalars(statement).all())
        # A short batch is the last one: stop without asking for an empty one.
        last[0] = rows[-1].id if len(rows) == CSV_BATCH else 0
        return rows

    while last[0] != 0:
        yield load


def _sqlite_read_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # we BEGIN ourselves, DEFERRED (see Reader)
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA query_only = ON")  # a page can never write by mistake
    finally:
        cursor.close()


def _sqlite_read_begin(conn: Connection) -> None:
    # Straight to the driver: every page begins a transaction, and SQLAlchemy's statement
    # machinery (exec_driver_sql) cost several times the BEGIN itself.
    driver = conn.connection.driver_connection
    if driver is None:  # a closed connection: SQLAlchemy never begins one
        raise RuntimeError("a read transaction began on a closed connection")
    driver.execute("BEGIN")


class Reader:
    """Read-only sessions for the pages.

    On a SQLite file this is a second engine whose transactions begin DEFERRED: the bot's
    engine begins every transaction IMMEDIATE, i.e. takes the write lock even to read, and
    twenty people looking at the dashboard must not keep the dispatcher from writing. In WAL
    mode a deferred reader sees one snapshot and blocks nobody.
    """

    def __init__(self, db: Database) -> None:
        self._own: Engine | None = None
        self.engine = db.engine
        self.dialect = db.dialect
        if db.dialect == "sqlite" and not db.is_memory:
            self._own = create_engine(db.engine.url, pool_size=8)
            event.listen(self._own, "connect", _sqlite_read_connect)
            event.listen(self._own, "begin", _sqlite_read_begin)
            self.engine = self._own

    def session(self) -> Session:
        """A new read session."""
        return Session(self.engine, expire_on_commit=False)

    def dispose(self) -> None:
        """Close the reader's own connections (the bot's engine is not ours to close)."""
        if self._own is not None:
            self._own.dispose()


READER = web.AppKey("liufang.web.reader", Reader)
