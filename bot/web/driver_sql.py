"""Statements compiled once by SQLAlchemy, then run straight on the SQLite driver.

A short read (a list page's thirty-one rows, Open311's keys of one request) takes SQLite a
fraction of what SQLAlchemy's execution around it does (its execution context, the expansion
of ``IN`` lists, result and row objects). A :class:`Compiled` is a statement's SQL for one
dialect, compiled once, with its parameters in the order the driver takes them and each
value converted by the same type processors SQLAlchemy uses; :func:`result_processors`
converts the values read the same way. The dashboard's list page (``bot.web.dashboard_sqlite``)
and Open311's reads (``bot.web.open311_query``) run this way on SQLite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Dialect, Select

Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Compiled:
    """A statement's SQL for one dialect, and its parameters as SQLAlchemy sends them."""

    sql: str
    constants: tuple[Any, ...]  # every placeholder's value, ready, where it is fixed
    # (placeholder, parameter, item of an expanded list or None, processor)
    slots: tuple[tuple[int, str, int | None, Processor | None], ...]

    def parameters(self, values: Mapping[str, Any]) -> list[Any]:
        """The positional parameters of ``values`` (by name), for the driver."""
        out = list(self.constants)
        for i, name, item, process in self.slots:
            value = values[name] if item is None else values[name][item]
            out[i] = value if process is None else process(value)
        return out


def _bind_processor(kind: Any, dialect: Dialect) -> Processor | None:
    return kind.dialect_impl(dialect).bind_processor(dialect)


def compile_statement(
    statement: Select[Any], dialect: Dialect, sizes: Mapping[str, int] | None = None
) -> Compiled:
    """``statement`` compiled for ``dialect`` (positional placeholders).

    Its parameters without a value are the caller's; an expanding one (an ``IN`` list) is
    expanded to ``sizes[name]`` placeholders, each taking one item of the list. The others
    (a ``LIMIT``, the fixed values of an ``IN``) are fixed in the statement: expanded here
    once, by SQLAlchemy, and kept with their values.
    """
    if not dialect.positional:
        raise ValueError(f"{dialect.name} does not take positional parameters")
    sizes = sizes or {}
    done = statement.compile(dialect=dialect)
    ours = {name for name, bind in done.binds.items() if bind.required}
    sample = {name: [None] * sizes[name] if name in sizes else None for name in ours}
    state = done.construct_expanded_state(sample)
    origin: dict[str, tuple[str, int | None]] = {}
    for old, news in state.parameter_expansion.items():
        origin.update((new, (old, k)) for k, new in enumerate(news))
    constants: list[Any] = []
    slots = []
    for i, name in enumerate(state.positiontup or ()):
        old, item = origin.get(name, (name, None))
        process = _bind_processor(done.binds[old].type, dialect)
        if old in ours:
            slots.append((i, old, item, process))
            constants.append(None)
        else:
            value = state.parameters[name]
            constants.append(value if process is None else process(value))
    return Compiled(state.statement, tuple(constants), tuple(slots))


def result_processors(
    columns: Iterable[ColumnElement[Any]], dialect: Dialect
) -> tuple[tuple[int, Processor], ...]:
    """``(position, processor)`` of the columns whose values SQLAlchemy converts when it
    reads them from ``dialect``'s driver (the others are read as the driver returns them)."""
    found = []
    for i, column in enumerate(columns):
        process = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if process is not None:
            found.append((i, process))
    return tuple(found)
