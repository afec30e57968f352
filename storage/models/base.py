"""The base of every table: its own registry and MetaData, and the UTC timestamp type."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, MetaData
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

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any]:
        """The impl's own processor (SQLite's text to datetime), then
        :meth:`process_result_value`, as TypeDecorator composes them, in one function that
        passes NULL straight through: a sweep reads tens of thousands of timestamps, most of
        them NULL, and the two nested calls per value cost more than the reading."""
        impl = self.impl_instance.result_processor(dialect, coltype)
        mark = self.process_result_value

        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            return mark(impl(value) if impl is not None else value, dialect)

        return process
