"""Core statements on a session's connection, for the hot paths that need no ORM objects.

A chat message writes a handful of rows and reads a few columns; through the ORM each of those
statements cost several times SQLite's own work (unit of work, identity bookkeeping, ORM
compilation per call). These helpers run them as plain Core statements on the connection of
the session's transaction instead, after flushing what the session holds, as the session
itself does before any statement: they see, and come after, every change made so far.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, Insert, insert
from sqlmodel import Session, SQLModel

# One name will do: savepoints nest as a stack, ROLLBACK TO and RELEASE take the newest.
_SAVEPOINT = "liufang_rows"


def connection(session: Session) -> Connection:
    """The connection of the session's transaction, with the session's changes flushed."""
    session.flush()
    return session.connection()


@functools.cache
def insert_statement(model: type[SQLModel]) -> Insert:
    """The INSERT of a model's table, built once (SQLAlchemy caches its compiled form)."""
    return insert(model.__table__)  # type: ignore[attr-defined]  # set by table=True


def insert_rows(
    session: Session, model: type[SQLModel], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert ``rows`` (column name → value) into the table of ``model``, in order, one
    executemany per run of rows naming the same columns; no ids are read back, never commits.
    """
    if not rows:
        return
    conn = connection(session)
    statement = insert_statement(model)
    for _columns, run in groupby(rows, key=lambda row: row.keys()):
        conn.execute(statement, list(run))


@contextmanager
def savepoint(conn: Connection) -> Iterator[None]:
    """Statements that stand or fall together, in a transaction that stays usable either way.

    A bare SAVEPOINT for Core statements only (the session's objects are not involved, so
    its own ``begin_nested`` bookkeeping, three times the cost, buys nothing here). On
    PostgreSQL it is what keeps the transaction usable after a failed statement.
    """
    conn.exec_driver_sql(f"SAVEPOINT {_SAVEPOINT}")
    try:
        yield
    except BaseException:
        conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
        conn.exec_driver_sql(f"RELEASE SAVEPOINT {_SAVEPOINT}")
        raise
    conn.exec_driver_sql(f"RELEASE SAVEPOINT {_SAVEPOINT}")
