"""A list page's query straight through the SQLite driver, as SQLAlchemy would have run it.

Reading thirty-one rows through an index takes SQLite a fraction of what SQLAlchemy's
execution around it did (its execution context, result object and row machinery, and a
session to hold the connection). Here each shape's statement is compiled once by SQLAlchemy
for the reader's dialect (:mod:`storage.driver`, which the bot's hot paths use too), and each
page runs that SQL on a connection of the reader (``bot.web.reads``), converting parameters and
values with the same type processors SQLAlchemy uses: the rows are equal to
:func:`bot.web.dashboard_query.list_page`'s (``tests/bot/web/test_dashboard_sqlite.py``
compares them shape by shape).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Dialect

from bot.web.dashboard_query import (
    LIST_COLUMNS,
    PAGE_SIZE,
    ListQuery,
    ListRow,
    Shape,
    page_statement,
)
from storage.driver import Compiled, compile_statement

ROWS_CACHED = 4096  # as many as the lines remembered (bot.web.dashboard_rows)


class PageRow(NamedTuple):
    """One ticket of a list page: the columns of ``LIST_COLUMNS``, in their order."""

    id: int
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


if PageRow._fields != tuple(c.name for c in LIST_COLUMNS):  # pragma: no cover - a typo
    raise RuntimeError("PageRow must list the columns of LIST_COLUMNS in their order")


@lru_cache(maxsize=256)
def compiled(shape: Shape, dialect: Dialect) -> Compiled:
    """The page statement of ``shape`` compiled for ``dialect`` (:mod:`storage.driver`).

    The page's own parameters (community, filters, ``now``, search words, offset, limit) are
    the statement's required ones; the rest (the open states of the overdue filter, which
    SQLAlchemy expands at each execution) are fixed in the statement with their values.
    """
    return compile_statement(page_statement(shape), dialect)


@lru_cache(maxsize=8)
def rows_of(dialect: Dialect) -> Callable[[tuple[Any, ...]], PageRow]:
    """The conversion of a driver row of ``LIST_COLUMNS`` to a :class:`PageRow`: the driver's
    own (:meth:`storage.driver.Compiled.converter`, each value as SQLAlchemy reads it), the
    same for every shape, since every page statement selects those columns.

    A converted row is remembered by the driver row, every column of it: a ticket that
    changed is a new key, never a stale row. Reusing the row also reuses its values, whose
    hashes Python keeps (an aware datetime's costs more than converting it): the lines of
    ``bot.web.dashboard_rows`` are remembered by these rows.
    """
    # SQLite's driver describes no column types (``cursor.description`` names only), and the
    # converter asks for none: it is built here once, not per page.
    convert = compiled(Shape(dialect.name), dialect).converter(None)
    make = PageRow._make

    @lru_cache(maxsize=ROWS_CACHED)
    def remembered(raw: tuple[Any, ...]) -> PageRow:
        return make(convert(raw))

    return remembered


def page_rows(
    driver: Any, dialect: Dialect, query: ListQuery | None, page: int
) -> tuple[list[ListRow], bool]:
    """:func:`bot.web.dashboard_query.list_page` on a SQLite driver connection ``driver``."""
    if query is None:
        return [], False
    sql = compiled(query.shape, dialect)
    values = {**query.params, "offset": (page - 1) * PAGE_SIZE, "limit": PAGE_SIZE + 1}
    convert = rows_of(dialect)
    raw = driver.execute(sql.sql, sql.parameters(values)).fetchall()
    rows: list[ListRow] = [convert(r) for r in raw]
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
