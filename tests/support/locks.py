"""A SQLite file locked by another connection, so that readers get SQLITE_BUSY."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def locked_out(path: str, *close: Callable[[], None]) -> Iterator[Callable[[], None]]:
    """Hold an exclusive lock on the SQLite file at ``path`` until the block ends or the
    function it gives is called (from any thread).

    In WAL mode a writer does not block readers, and an open connection keeps another from
    taking the whole file: so every connection is closed first (``close``: the engines'
    ``dispose``), then one in EXCLUSIVE locking mode writes nothing and keeps its lock.
    """
    for each in close:
        each()
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("COMMIT")  # the lock stays: exclusive locking mode keeps it
        yield holder.close
    finally:
        holder.close()
