"""Statements compiled once per dialect and run on the DBAPI connection itself.

SQLAlchemy's execution of a statement (its execution context, parameter and result objects,
the session's look-up of its connection) costs several times what the database takes for a
short indexed read or a one-row insert. On the hot paths (a chat message's handful of reads
and writes, a list page's query) a statement is compiled here by SQLAlchemy once per dialect,
and each execution sends that SQL straight to the driver connection (sqlite3's, positional
``?``; psycopg's, named ``%(name)s``), converting parameters and values with the bind and
result processors SQLAlchemy itself would use: the rows written and read are the same.

The API, for a session's transaction:

- :func:`of` — the :class:`Driver` of the session's transaction, its pending ORM changes
  flushed first (as the session does before any statement of its own), or the Driver given;
- ``Driver.rows`` / ``Driver.first`` — a select's rows (tuples, values converted);
- ``Driver.execute`` / ``Driver.executemany`` — a statement for one or many parameter sets;
- ``Driver.savepoint`` — statements that stand or fall together.

Statements are Core statements built once (at import or under ``functools.cache``): the
compiled forms are remembered by the statement object. Values are given by bind parameter
name, as to ``Connection.execute``; a list for an ``expanding`` parameter (``IN``), whose
statement is compiled once per list length. Errors are raised as SQLAlchemy's
(``IntegrityError``, ``OperationalError``, …) wrapping the driver's, as SQLAlchemy would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlmodel import Session

Processor = Callable[[Any], Any]
Values = Mapping[str, Any]
_NO_VALUES: Values = {}
_KEY = "liufang.driver"  # session.info: (transaction, Driver) of the session's transaction
# One name will do: savepoints nest as a stack, ROLLBACK TO and RELEASE take the newest.
_SAVEPOINT = "liufang_rows"
# A statement is remembered for each length of its lists up to this many values in all; a
# longer one is expanded at each execution (as SQLAlchemy does), not kept: its SQL is long.
LISTS_REMEMBERED = 64


@dataclass(frozen=True, slots=True)
class Compiled:
    """A statement's SQL for one dialect, and how its parameters and values are converted."""

    sql: str
    named: bool  # parameters by name (psycopg's pyformat), else by position (sqlite's qmark)
    constants: tuple[Any, ...] | dict[str, Any]  # every placeholder's value, where it is fixed
    # (placeholder, parameter, element of a list parameter or None, bind processor)
    slots: tuple[tuple[Any, str, int | None, Processor | None], ...]
    expanding: tuple[str, ...]  # the list parameters, in the order of ``sizes``
    types: tuple[Any, ...]  # the result columns' types
    dialect: Dialect
    _results: list[tuple[tuple[int, Processor], ...]] = field(
        default_factory=list, compare=False, repr=False
    )

    def parameters(self, values: Values) -> Any:
        """The parameters of ``values`` (by name) for the driver: a list, or a dict."""
        out: Any = dict(self.constants) if self.named else list(self.constants)
        for key, name, index, process in self.slots:
            value = values[name] if index is None else values[name][index]
            out[key] = value if process is None else process(value)
        return out

    def converter(self, description: Sequence[Sequence[Any]] | None) -> Callable[[Any], Any]:
        """The conversion of a driver row to the values SQLAlchemy would give (a tuple); the
        processors are the result processors of each column for the driver's column types."""
        if not self._results:  # the same columns at every execution: worked out once
            self._results.append(result_processors(self.types, self.dialect, description))
        processors = self._results[0]
        if not processors:
            return tuple

        def convert(raw: Any) -> tuple[Any, ...]:
            values = list(raw)
            for i, process in processors:
                values[i] = process(values[i])
            return tuple(values)

        return convert


def result_processors(
    types: Sequence[Any], dialect: Dialect, description: Sequence[Sequence[Any]] | None = None
) -> tuple[tuple[int, Processor], ...]:
    """(column, processor) of the columns of ``types`` whose values SQLAlchemy converts, given
    the driver's column types (``cursor.description``; None: unknown, as SQLite's are)."""
    out = []
    for i, kind in enumerate(types):
        coltype = description[i][1] if description else None
        process = kind.dialect_impl(dialect).result_processor(dialect, coltype)
        if process is not None:
            out.append((i, process))
    return tuple(out)


def _compiled_form(statement: ClauseElement, dialect: Dialect) -> Any:
    # An INSERT without RETURNING as SQLAlchemy compiles it for executemany: on PostgreSQL
    # a single-row insert would otherwise return the new key nobody asked for.
    dml = getattr(statement, "is_dml", False) and not statement.exported_columns  # type: ignore[attr-defined]
    return statement.compile(dialect=dialect, for_executemany=dml)


def compile_statement(
    statement: ClauseElement, dialect: Dialect, sizes: tuple[int, ...] | None = None
) -> Compiled:
    """``statement`` compiled for ``dialect``, uncached (see :func:`compiled`).

    The parameters without a value are the caller's (each execution's); the rest are fixed
    in the statement (a constant ``IN`` list, a LIMIT, a column's scalar default on INSERT):
    expanded here once by SQLAlchemy, and kept with their processed values. ``sizes`` are
    the lengths of the list parameters (one each when not given).
    """
    return _expanded(_compiled_form(statement, dialect), statement, dialect, sizes)


def _expanded(
    done: Any, statement: ClauseElement, dialect: Dialect, sizes: tuple[int, ...] | None
) -> Compiled:
    """:func:`compile_statement` of SQLAlchemy's compiled form ``done`` of ``statement``."""
    binds = done.binds
    ours = {name for name, bind in binds.items() if bind.required}
    expanding = tuple(sorted(name for name in ours if binds[name].expanding))
    lengths = dict(zip(expanding, sizes or (1,) * len(expanding), strict=True))
    defaults = {}
    for column in (*done.insert_prefetch, *done.update_prefetch):
        default = column.default if column in done.insert_prefetch else column.onupdate
        if default is None or not default.is_scalar or column.key not in binds:
            raise NotImplementedError(f"{column}: only scalar column defaults run here")
        defaults[column.key] = default.arg
    placeholders = {n: [None] * lengths[n] if n in lengths else None for n in ours}
    state = done.construct_expanded_state({**placeholders, **defaults})
    origin = {
        new: (old, j)
        for old, news in state.parameter_expansion.items()
        for j, new in enumerate(news)
    }
    named = not dialect.positional
    if done.escaped_bind_names:  # names the driver could not take as they are: none of ours
        raise NotImplementedError(f"escaped parameter names in {state.statement!r}")
    # By name, each parameter once; by position, in order (a name used twice is two places).
    keys = list(state.parameters) if named else list(state.positiontup or ())
    constants: list[Any] = []
    slots = []
    for i, name in enumerate(keys):
        parameter, index = origin.get(name, (name, None))
        process = binds[parameter].type.dialect_impl(dialect).bind_processor(dialect)
        if parameter in ours:
            slots.append((name if named else i, parameter, index, process))
            constants.append(None)
        else:
            value = state.parameters[name]
            constants.append(value if process is None else process(value))
    types = tuple(c.type for c in getattr(statement, "exported_columns", ()))
    return Compiled(
        sql=state.statement,
        named=named,
        constants=dict(zip(keys, constants, strict=True)) if named else tuple(constants),
        slots=tuple(slots),
        expanding=expanding,
        types=types,
        dialect=dialect,
    )


@lru_cache(maxsize=1024)
def compiled(
    statement: ClauseElement, dialect: Dialect, sizes: tuple[int, ...] | None = None
) -> Compiled:
    """:func:`compile_statement`, remembered by statement (which must be built once)."""
    return _expanded(_cached_form(statement, dialect), statement, dialect, sizes)


@lru_cache(maxsize=256)
def _cached_form(statement: ClauseElement, dialect: Dialect) -> Any:
    """SQLAlchemy's compiled form of a statement built once, for its lists' other lengths."""
    return _compiled_form(statement, dialect)


def _prepared(statement: ClauseElement, dialect: Dialect, values: Values) -> Compiled:
    """The compiled form of ``statement`` for ``values`` (the lengths of its lists)."""
    done = compiled(statement, dialect)
    if not done.expanding:
        return done
    sizes = tuple(len(values[name]) for name in done.expanding)
    if all(n == 1 for n in sizes):
        return done
    if sum(sizes) > LISTS_REMEMBERED:  # a sweep's thousands of ids: expanded, not kept
        return _expanded(_cached_form(statement, dialect), statement, dialect, sizes)
    return compiled(statement, dialect, sizes)


class Driver:
    """The driver connection of a SQLAlchemy connection, running compiled statements on it.

    Listeners of the engine's ``before_cursor_execute`` event (statement counts in tests and
    benchmarks) registered before the transaction began are called for each statement, as
    SQLAlchemy would; its ``echo`` log is not written.
    """

    __slots__ = ("_before", "_conn", "_error", "connection", "dialect")

    def __init__(self, conn: Connection) -> None:
        """Run on ``conn``'s DBAPI connection, within whatever transaction ``conn`` is in."""
        self._conn = conn
        self.connection: Any = conn.connection.driver_connection
        self.dialect = conn.dialect
        self._error: type[Exception] = conn.dialect.loaded_dbapi.Error
        # Asked once per transaction, not per statement (the listener collection's truth
        # test cost a tenth of a short statement): a listener added to the engine in the
        # middle of a transaction is heard from its next transaction on.
        before = conn.dispatch.before_cursor_execute
        self._before = before if before else None

    def _run(self, sql: str, parameters: Any, many: bool = False) -> Any:
        try:
            cursor = self.connection.cursor()
            if self._before is not None:
                self._before(self._conn, cursor, sql, parameters, None, many)
            if many:
                cursor.executemany(sql, parameters)
            else:
                cursor.execute(sql, parameters)
            return cursor
        except self._error as error:
            raise DBAPIError.instance(
                sql, parameters, error, self._error, dialect=self.dialect, ismulti=many
            ) from error

    def execute(self, statement: ClauseElement, values: Values = _NO_VALUES) -> Any:
        """Run ``statement`` with ``values``; the driver's cursor (``rowcount``, ``fetchone``
        of a RETURNING: raw values, see :meth:`rows` for converted ones)."""
        done = _prepared(statement, self.dialect, values)
        return self._run(done.sql, done.parameters(values))

    def executemany(self, statement: ClauseElement, rows: Sequence[Values]) -> None:
        """Run ``statement`` once for each of ``rows`` (no list parameters), in one call."""
        if not rows:
            return
        done = compiled(statement, self.dialect)
        if done.expanding:
            raise ValueError("executemany takes no list parameters")
        self._run(done.sql, [done.parameters(row) for row in rows], many=True)

    def rows(self, statement: ClauseElement, values: Values = _NO_VALUES) -> list[tuple[Any, ...]]:
        """Every row of a select (or RETURNING), each value as SQLAlchemy would read it."""
        done = _prepared(statement, self.dialect, values)
        cursor = self._run(done.sql, done.parameters(values))
        raw = cursor.fetchall()
        convert = done.converter(cursor.description)
        return (
            raw if convert is tuple and raw and type(raw[0]) is tuple else list(map(convert, raw))
        )

    def first(
        self, statement: ClauseElement, values: Values = _NO_VALUES
    ) -> tuple[Any, ...] | None:
        """The first row of a select (or RETURNING), or None; converted as :meth:`rows`."""
        done = _prepared(statement, self.dialect, values)
        cursor = self._run(done.sql, done.parameters(values))
        raw = cursor.fetchone()
        return None if raw is None else done.converter(cursor.description)(raw)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Statements that stand or fall together, in a transaction that stays usable either
        way (on PostgreSQL a failed statement otherwise spoils the whole transaction)."""
        self._run(f"SAVEPOINT {_SAVEPOINT}", ())
        try:
            yield
        except BaseException:
            self._run(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}", ())
            self._run(f"RELEASE SAVEPOINT {_SAVEPOINT}", ())
            raise
        self._run(f"RELEASE SAVEPOINT {_SAVEPOINT}", ())


def of(session: Session | Driver) -> Driver:
    """The :class:`Driver` of the session's transaction (begun if need be), with the
    session's pending changes flushed: what runs on it sees, and comes after, every change
    made so far. The connection is looked up once per transaction. A :class:`Driver` given
    (a transaction on the engine, no session) is its own."""
    if isinstance(session, Driver):
        return session
    session.flush()
    transaction = session.get_transaction()
    held = session.info.get(_KEY)
    if held is not None and held[0] is transaction is not None and transaction.is_active:
        return held[1]
    driver = Driver(session.connection())
    session.info[_KEY] = (session.get_transaction(), driver)
    return driver
