"""Checks that narrow types in production code (an ``assert`` is gone under ``python -O``)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Protocol


class HasId(Protocol):
    """A table row: its ``id`` is None until the session flushes it."""

    @property
    def id(self) -> int | None:
        """The primary key, once assigned."""
        ...


class UnsavedRow(RuntimeError):
    """A row was used as stored (its id read) before a flush gave it one."""


class NaiveClock(ValueError):
    """A time without a zone reached code that counts local days and working hours."""


def saved_id(row: HasId) -> int:
    """The id of a stored row; :class:`UnsavedRow` if it has none yet (a missing flush)."""
    row_id = row.id
    if row_id is None:
        raise UnsavedRow(f"{type(row).__name__} has no id yet: flush the session first")
    return row_id


def zone_of(now: datetime) -> tzinfo:
    """The time zone of ``now``; :class:`NaiveClock` for a naive time (clocks are injected
    aware, so this is a wiring mistake, not something a message can cause)."""
    zone = now.tzinfo
    if zone is None:
        raise NaiveClock(f"the clock gave a time without a zone: {now.isoformat()}")
    return zone
