"""The ticket list behind ``/`` and ``/tickets.csv``: filters from the query string, one query.

Every list is newest first, filtered in SQL and cut with LIMIT, so a page costs the same with
a hundred or a hundred thousand tickets: no total is counted, a page knows only whether another
follows (it asks for one row more than it shows).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Engine, create_engine, event
from sqlmodel import Session, col, select

from bot.config_rules import WebUser
from handlers.vocabulary import CATEGORY_LABELS, CLASS_LABELS, OPEN_STATES, STATES
from storage.db import SQLITE_BUSY_TIMEOUT_MS, Database
from storage.models import Ticket
from storage.search import query_terms, search_condition

PAGE_SIZE = 30
MAX_PAGE = 1000  # deeper than anyone pages by hand; keeps OFFSET bounded
MAX_QUERY_CHARS = 50
CSV_BATCH = 1000


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
        values = asdict(replace(self, **changes))
        values["overdue"] = "1" if values["overdue"] else ""
        if values["page"] == 1:
            values["page"] = ""
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def conditions(
    filters: ListFilters,
    codes: Sequence[str],
    now: datetime,
    dialect: str,
    tokenize: Callable[[str], list[str]],
) -> list[ColumnElement[bool]] | None:
    """The WHERE conditions of ``filters`` over the visible ``codes``; None when nothing can
    match (a search with no searchable word)."""
    where: list[ColumnElement[bool]] = []
    if filters.community:
        where.append(col(Ticket.community_code) == filters.community)
    elif len(codes) == 1:
        where.append(col(Ticket.community_code) == codes[0])
    else:
        where.append(col(Ticket.community_code).in_(list(codes)))
    if filters.grid:
        where.append(col(Ticket.grid) == filters.grid)
    if filters.klass:
        where.append(col(Ticket.klass) == filters.klass)
    if filters.category:
        where.append(col(Ticket.category) == filters.category)
    if filters.state:
        where.append(col(Ticket.state) == filters.state)
    if filters.overdue:
        where.append(col(Ticket.state).in_(sorted(OPEN_STATES)))
        where.append(col(Ticket.due_at) < now)
    if filters.q:
        terms = query_terms(tokenize(filters.q))
        if not terms:
            return None
        where.append(search_condition(dialect, terms))
    return where


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


# Only these columns are read for a list page: plain rows, no ORM objects to build and track.
LIST_COLUMNS = (
    col(Ticket.id),
    col(Ticket.klass),
    col(Ticket.text),
    col(Ticket.plus_ones),
    col(Ticket.community_code),
    col(Ticket.grid),
    col(Ticket.category),
    col(Ticket.state),
    col(Ticket.created_at),
    col(Ticket.due_at),
)


def list_page(
    session: Session, where: list[ColumnElement[bool]] | None, page: int
) -> tuple[list[ListItem], bool]:
    """One page of tickets, newest first, and whether another page follows."""
    if where is None:
        return [], False
    statement = (
        select(*LIST_COLUMNS)
        .where(*where)
        .order_by(col(Ticket.id).desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    rows: list[ListItem] = list(session.execute(statement).all())  # type: ignore[arg-type]
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def batches(
    reader: Reader, where: list[ColumnElement[bool]] | None
) -> Iterator[Callable[[], list[Ticket]]]:
    """Loaders of the whole filtered list in batches (newest first), each in its own session.

    Each batch continues below the last id seen (keyset paging): no OFFSET grows with the file,
    and no transaction stays open while the response is being written.
    """
    if where is None:
        return
    last: list[int | None] = [None]

    def load() -> list[Ticket]:
        statement = select(Ticket).where(*where)
        if last[0] is not None:
            statement = statement.where(col(Ticket.id) < last[0])
        statement = statement.order_by(col(Ticket.id).desc()).limit(CSV_BATCH)
        with reader.session() as session:
            rows = list(session.exec(statement).all())
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
            event.listen(self._own, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
            self.engine = self._own

    def session(self) -> Session:
        """A new read session."""
        return Session(self.engine, expire_on_commit=False)

    def dispose(self) -> None:
        """Close the reader's own connections (the bot's engine is not ours to close)."""
        if self._own is not None:
            self._own.dispose()
