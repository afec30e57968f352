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
from typing import Any, TypeVar

from sqlalchemy import Connection, Insert, insert, inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, SQLModel

_M = TypeVar("_M", bound=SQLModel)

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


def loaded(session: Session, model: type[_M], values: Mapping[str, Any]) -> _M:
    """The object of the stored row ``values`` (every column, the key among them), as a query
    would hand it out: the one the session holds already, else a new clean object taken in
    without a query (a later change to it is an UPDATE at the next flush).

    Built as the ORM's loader builds one (``__new__``, then the attributes set at once), not
    through the constructor, whose per-attribute instrumented set cost several times the row.
    """
    mapper = inspect(model)
    key = mapper.identity_key_from_primary_key([values[c.key] for c in mapper.primary_key])
    held = session.identity_map.get(key)
    if held is not None:
        return held
    obj = mapper.class_manager.new_instance()
    obj.__dict__.update(values)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj
