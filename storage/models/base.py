"""The base of every table: its own registry and MetaData, and the UTC timestamp type."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, MetaData
from sqlalchemy.dialects.sqlite import DATETIME as SQLiteDateTime
from sqlalchemy.engine import processors
from sqlalchemy.orm import registry
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

# Explicit constraint names make later migrations (SQLite batch rebuilds, PostgreSQL drops)
# addressable, and give the unique source_msg_id a name callers can recognise.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
_REGISTRY = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))
# SQLAlchemy's text form of a SQLite DATETIME, which UtcDateTime's SQLite processors write and
# read directly (as a tuple format: the same text as the dialect's dict format).
_SQLITE_TEXT = "%04d-%02d-%02d %02d:%02d:%02d.%06d"
_SQLITE_DICT_TEXT = (
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
)


class StorageModel(SQLModel, registry=_REGISTRY):
    """The base of every liufang table: its own registry and MetaData, with our naming convention.

    The convention is given to a MetaData made for our tables instead of being set on
    ``SQLModel.metadata``, which every SQLModel table in the process shares: importing this
    module changes nothing outside it. Alembic compares the migrations with :data:`METADATA`.
    """


# Every table of liufang once storage.models is imported (the package imports each table module),
# for migrations and their tests.
METADATA = StorageModel.metadata


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as naive UTC, read back as aware UTC.

    SQLite has no timezone type and compares timestamps as text, so offsets must never reach
    the database: every value is normalised to UTC on the way in, on both backends alike.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to naive UTC; refuse naive ones, which are ambiguous."""
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"timezone-aware datetime required, got {value!r}")
        # Built from the fields rather than with replace(tzinfo=None), which costs four times
        # as much on CPython 3.11 (it parses keywords): a sweep writes thousands of timestamps.
        v = value.astimezone(UTC)
        return datetime(v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Mark a stored naive-UTC value as UTC again."""
        if value is None:
            return None
        # The same value as value.replace(tzinfo=UTC) at a quarter of the cost (CPython 3.11's
        # replace() parses keywords): a sweep reads tens of thousands of timestamps.
        v = value
        return datetime(v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond, UTC)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """:meth:`process_bind_param`, then the impl's own processor, as TypeDecorator composes
        them; on SQLite one function that writes the stored text straight from the UTC value's
        fields (the dialect's own formats a dict of them): a sweep writes thousands."""
        if not _sqlite_text(self.impl_instance):
            return super().bind_processor(dialect)
        text, utc = _SQLITE_TEXT, UTC
        # The last value formatted and its text: a message binds the same ``now`` about ten
        # times (created, updated, due, follow-ups). Datetimes are immutable, so the same
        # object always gives the same text; one tuple, swapped whole, is safe across threads.
        last: list[tuple[Any, str]] = [(None, "")]

        def process(value: Any) -> str | None:
            if value is None:
                return None
            seen, formatted = last[0]
            if value is seen:
                return formatted
            if not isinstance(value, datetime) or value.tzinfo is None:
                raise ValueError(f"timezone-aware datetime required, got {value!r}")
            v = value.astimezone(utc)
            formatted = text % (v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond)
            last[0] = (value, formatted)
            return formatted

        return process

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any]:
        """The impl's own processor (SQLite's text to datetime), then
        :meth:`process_result_value`, as TypeDecorator composes them, in one function that
        passes NULL straight through: a sweep reads tens of thousands of timestamps, most of
        them NULL, and the two nested calls per value cost more than the reading."""
        impl = self.impl_instance.result_processor(dialect, coltype)
        if impl is processors.str_to_datetime and _sqlite_text(self.impl_instance):
            # The stored text is naive UTC: parsed as UTC at once (the parser hands out the
            # UTC singleton for a zero offset), a quarter of parsing, then rebuilding.
            parse, mark_utc = datetime.fromisoformat, self.process_result_value

            def parse_utc(value: Any) -> datetime | None:
                if value is None:
                    return None
                try:
                    return parse(value + "+00:00")
                except ValueError:  # text with an offset of its own (not written here)
                    return mark_utc(parse(value), dialect)

            return parse_utc
        mark = self.process_result_value

        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            return mark(impl(value) if impl is not None else value, dialect)

        return process


def _sqlite_text(impl: Any) -> bool:
    """True when ``impl`` is SQLite's DATETIME storing SQLAlchemy's default text."""
    return (
        isinstance(impl, SQLiteDateTime)
        and getattr(impl, "_storage_format", None) == _SQLITE_DICT_TEXT
        and getattr(impl, "_reg", None) is None
    )
