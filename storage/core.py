"""Core statements on a session's connection, for the hot paths that need no ORM objects.

A chat message writes a handful of rows and reads a few columns; through the ORM each of those
statements cost several times SQLite's own work (unit of work, identity bookkeeping, ORM
compilation per call). These helpers run them as plain Core statements in the session's
transaction instead (on its driver connection, :mod:`storage.driver`), after flushing what the
session holds, as the session itself does before any statement: they see, and come after,
every change made so far; and build ORM objects of rows read so, as the ORM's loader does.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import groupby
from typing import Any, TypeVar

from sqlalchemy import Connection, Insert, Select, bindparam, insert, inspect, select
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.attributes import instance_state
from sqlmodel import Session, SQLModel

from storage import driver
from storage.driver import Driver

_M = TypeVar("_M", bound=SQLModel)


def connection(session: Session) -> Connection:
    """The connection of the session's transaction, with the session's changes flushed."""
    session.flush()
    return session.connection()


@functools.lru_cache(maxsize=128)
def insert_statement(model: type[SQLModel], columns: tuple[str, ...]) -> Insert:
    """The INSERT of these columns of a model's table (the rest get their column defaults),
    built once per column set: :mod:`storage.driver` remembers its SQL by statement."""
    table = model.__table__  # type: ignore[attr-defined]  # set by table=True
    return insert(table).values({name: bindparam(name) for name in columns})


def insert_rows(
    session: Session, model: type[SQLModel], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert ``rows`` (column name → value) into the table of ``model``, in order, one
    executemany per run of rows naming the same columns; no ids are read back, never commits.
    """
    if not rows:
        return
    run_on = driver.of(session)
    for columns, run in groupby(rows, key=_columns_of):
        run_on.executemany(insert_statement(model, columns), list(run))


def _columns_of(row: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(row)


@contextmanager
def savepoint(conn: Connection) -> Iterator[None]:
    """:meth:`storage.driver.Driver.savepoint` on a SQLAlchemy connection: statements that
    stand or fall together, in a transaction that stays usable either way.

    A bare SAVEPOINT for Core statements only (the session's objects are not involved, so
    its own ``begin_nested`` bookkeeping, three times the cost, buys nothing here). On
    PostgreSQL it is what keeps the transaction usable after a failed statement.
    """
    with Driver(conn).savepoint():
        yield


@functools.lru_cache(maxsize=64)
def select_rows(model: type[SQLModel]) -> Select[Any]:
    """``SELECT`` of every column of a model's table, in the table's order (for
    :func:`load`); add ``where``/``order_by`` to it and keep the result built once."""
    table = model.__table__  # type: ignore[attr-defined]  # set by table=True
    return select(*table.columns)


def load(
    session: Session, model: type[_M], statement: Select[Any], values: Mapping[str, Any]
) -> list[_M]:
    """The objects of the rows of ``statement`` (built on :func:`select_rows` of ``model``),
    read on the driver (:mod:`storage.driver`) and taken in as :func:`loaded`: what the ORM's
    ``session.exec(select(model)…)`` hands out, without its execution and loading machinery."""
    keys = [column.key for column in model.__table__.columns]  # type: ignore[attr-defined]
    rows = driver.of(session).rows(statement, values)
    return [loaded(session, model, dict(zip(keys, row, strict=True))) for row in rows]


def loaded(session: Session, model: type[_M], values: Mapping[str, Any]) -> _M:
    """The object of the stored row ``values`` (every column, the key among them), as a query
    would hand it out: the one the session holds already, else a new clean object taken in
    without a query (a later change to it is an UPDATE at the next flush).

    Built as the ORM's loader builds one of a row: ``__new__``, the attributes set at once,
    its identity key and session set, and put in the identity map (not through the
    constructor, whose instrumented set of each attribute cost several times the row, nor
    ``make_transient_to_detached`` and ``session.add``, which cost five times this).
    """
    mapper, primary_key = _mapper(model)
    key = mapper.identity_key_from_primary_key(tuple(values[name] for name in primary_key))
    held = session.identity_map.get(key)
    if held is not None:
        return held
    obj = mapper.class_manager.new_instance()
    obj.__dict__.update(values)
    state = instance_state(obj)
    state.key = key
    state.identity_token = None
    state.session_id = session.hash_key
    session.identity_map.add(state)
    return obj


@functools.cache
def _mapper(model: type[SQLModel]) -> tuple[Mapper[Any], tuple[str, ...]]:
    mapper = inspect(model)
    return mapper, tuple(str(column.key) for column in mapper.primary_key)
