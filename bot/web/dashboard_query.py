"""The ticket list behind ``/`` and ``/tickets.csv``: its filters (``dashboard_filters``) as
one query.

Every list is newest first, filtered in SQL and cut with LIMIT, so a page costs the same with
a hundred or a hundred thousand tickets: no total is counted, a page knows only whether another
follows (it asks for one row more than it shows).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    bindparam,
    false,
)
from sqlmodel import Session, select

from bot.web.dashboard_filters import ListFilters
from bot.web.reads import Reader
from handlers.followups import overdue
from handlers.followups.overdue import Deadlined, overdue_where
from handlers.policy import Policy
from storage.checks import zone_of
from storage.models import Ticket, UtcDateTime
from storage.search import match_params, newest_matching, query_terms

PAGE_SIZE = 30
CSV_BATCH = 1000

# The Core table, not the ORM attributes: a statement of plain columns is built, keyed for the
# compiled cache and executed in a fraction of the time of an ORM-annotated one, and a list
# page is mostly that overhead (the indexed query itself takes a tenth of a millisecond).
TICKETS = Ticket.metadata.tables["tickets"]
T = TICKETS.c


@dataclass(frozen=True, slots=True)
class Shape:
    """Which filters a list has, not their values: the form of its SQL. Every list of one
    shape runs the same statement with other parameter values, so each shape's statement is
    built and compiled once (building one cost more than running the indexed query)."""

    dialect: str
    community: bool = False  # one community (the parameter ``community``)
    codes: int | None = None  # several communities: IN (``code_0``, …); None: no such term
    grid: bool = False
    klass: bool = False
    category: bool = False
    state: bool = False
    overdue: bool = False  # open and past a deadline at ``now``
    terms: int = 0  # search words (0: no search)

    def where(self) -> tuple[ColumnElement[bool], ...]:
        """The WHERE conditions, each value a bound parameter named after its filter."""
        where: list[ColumnElement[bool]] = []
        if self.community:
            where.append(T.community_code == bindparam("community"))
        elif self.codes is not None:
            # One parameter per code, not SQLAlchemy's "expanding" list: the SQL is complete
            # when compiled, and can be run as it is (``bot.web.dashboard_sqlite``).
            codes: list[BindParameter[str]] = [bindparam(f"code_{i}") for i in range(self.codes)]
            where.append(T.community_code.in_(codes) if codes else false())
        for name in ("grid", "klass", "category", "state"):
            if getattr(self, name):
                where.append(T[name] == bindparam(name))
        if self.overdue:
            where.extend(overdue_where(self.dialect, bindparam("now", type_=UtcDateTime)))
        return tuple(where)

    def select(self, *columns: Any, where: Sequence[ColumnElement[bool]] = ()) -> Select[Any]:
        """``SELECT columns`` of the matching tickets (and ``where``), newest first."""
        statement = select(*columns).where(*self.where(), *where)
        if self.terms:
            return newest_matching(statement, self.dialect, self.terms)
        return statement.order_by(T.id.desc())


@dataclass(frozen=True, slots=True)
class ListQuery:
    """The SQL of a filtered list: its shape and the values of its parameters."""

    shape: Shape
    params: Mapping[str, Any]


def conditions(
    filters: ListFilters,
    codes: Sequence[str] | None,
    now: datetime,
    dialect: str,
    tokenize: Callable[[str], list[str]],
) -> ListQuery | None:
    """The query of ``filters`` within communities ``codes`` (None: every community); None
    when nothing can match (a search with no searchable word)."""
    params: dict[str, Any] = {}
    if filters.community:
        params["community"] = filters.community
    elif codes is not None:
        params.update((f"code_{i}", code) for i, code in enumerate(codes))
    for name in ("grid", "klass", "category", "state"):
        value = getattr(filters, name)
        if value:
            params[name] = value
    if filters.overdue:
        params["now"] = now
    terms: list[str] = []
    if filters.q:
        terms = query_terms(tokenize(filters.q))
        if not terms:
            return None
        params.update(match_params(dialect, terms))
    shape = Shape(
        dialect,
        community="community" in params,
        codes=None if filters.community or codes is None else len(codes),
        grid="grid" in params,
        klass="klass" in params,
        category="category" in params,
        state="state" in params,
        overdue=filters.overdue,
        terms=len(terms),
    )
    return ListQuery(shape, params)


class ListItem(Deadlined, Protocol):
    """The columns a list line shows (a :class:`Ticket` has them all); read only. The
    deadline's columns are :class:`Deadlined`'s, the definition of 超期 it is judged by."""

    @property
    def id(self) -> int | None: ...
    @property
    def text(self) -> str: ...
    @property
    def plus_ones(self) -> int: ...
    @property
    def community_code(self) -> str: ...
    @property
    def grid(self) -> str | None: ...
    @property
    def category(self) -> str: ...


class ListRow(ListItem, Hashable, Protocol):
    """A list line's columns as a Core row gives them: hashed and compared by their values."""


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


@lru_cache(maxsize=256)  # a few dozen shapes are ever used; bounded all the same
def page_statement(shape: Shape) -> Select[Any]:
    """The statement of a list page of ``shape``: ``offset`` and ``limit`` are parameters."""
    page = shape.select(*LIST_COLUMNS)
    return page.offset(bindparam("offset")).limit(bindparam("limit"))


def list_page(session: Session, query: ListQuery | None, page: int) -> tuple[list[ListRow], bool]:
    """One page of tickets, newest first, and whether another page follows."""
    if query is None:
        return [], False
    params = {**query.params, "offset": (page - 1) * PAGE_SIZE, "limit": PAGE_SIZE + 1}
    # Core rows through the session's connection: the ORM's result machinery costs more than
    # the query itself for 31 plain rows.
    result = session.connection().execute(page_statement(query.shape), params)
    rows: list[ListRow] = list(result.all())
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


@lru_cache(maxsize=256)
def _batch_statement(shape: Shape, first: bool) -> Select[Any]:
    before = () if first else (T.id < bindparam("before"),)
    return shape.select(Ticket, where=before).limit(CSV_BATCH)


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
        first = last[0] is None
        params = query.params if first else {**query.params, "before": last[0]}
        statement = _batch_statement(query.shape, first)
        with reader.session() as session:
            rows = list(session.scalars(statement, params).all())
        # A short batch is the last one: stop without asking for an empty one.
        last[0] = rows[-1].id if len(rows) == CSV_BATCH else 0
        return rows

    while last[0] != 0:
        yield load
