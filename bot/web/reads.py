"""The web's reads: :class:`Reader`'s read-only sessions, and short reads on the event loop (a
read runs there while it stays short, else in a worker thread). The dashboard's list page and
Open311's lookups both read this way.

A list page's query reads thirty-one rows through an index: a few thousand SQLite steps, a
fraction of a millisecond, less than rendering the page. Sent to a worker thread it cost more
than itself: the hand-over, and the GIL going back and forth at every row SQLite releases it
for, each time waiting for the event loop thread to let go of it. Under twenty clients those
waits, not the work, made most of a page's time.

So on a SQLite file of our own (:class:`Reader`) a read starts on the event loop with a budget
of SQLite steps (:data:`INLINE_STEPS`, a few milliseconds at most); a read that would take
longer (a deep page, a rare combination of filters, the overdue filter's subquery) is
interrupted by SQLite at the budget and run again from the start in a worker thread, where
it may take as long as it needs without holding up anyone else. The event loop's connection
never waits for a lock either (``busy_timeout`` 0): a read that finds the database busy runs
again in the thread, whose connections wait as the bot's do. PostgreSQL (network round trips)
and an in-memory database (shared with the bot's own engine) always read in a thread.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from storage.db import SQLITE_BUSY_TIMEOUT_MS, Database

T = TypeVar("T")

# SQLite calls the progress handler every STEP virtual-machine instructions. A first list
# page takes ~1,000 of them, a filtered or searched one up to ~5,000 (~1 ms); the overdue
# filter ~40,000 and page 1,000 of a filter hundreds of thousands, which go to a thread.
STEP = 1000
INLINE_STEPS = 20_000
# The event loop's connection serves every short read of the process: the list, its filters and
# searches, Open311's lookups. SQLite's default page cache (2 MiB) held one kind of page and lost
# it to the next: a search walks the FTS doclist and hundreds of table rows, a filter another
# index, and each read took from the OS again what the one before had pushed out (a third of
# its time). 16 MiB keeps the newest tickets, their indexes and the FTS pages of both.
LOOP_CACHE_KIB = 16 * 1024
# Reads of rows nobody asked for lately (an Open311 lookup by id, a ticket page) land on pages
# spread over the whole file: through SQLite's page cache each is a read() into its own copy;
# memory-mapped, a page the OS already holds costs no system call and no copy. Read-only
# connections only (a write through a mapping is where SQLite's caveats lie).
READ_MMAP_BYTES = 256 * 1024 * 1024


def _sqlite_read_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # we BEGIN ourselves, DEFERRED (see Reader)
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA query_only = ON")  # a page can never write by mistake
        cursor.execute(f"PRAGMA mmap_size = {READ_MMAP_BYTES}")
    finally:
        cursor.close()


def _sqlite_read_begin(conn: Connection) -> None:
    # Straight to the driver: every page begins a transaction, and SQLAlchemy's statement
    # machinery (exec_driver_sql) cost several times the BEGIN itself.
    driver = conn.connection.driver_connection
    if driver is None:  # a closed connection: SQLAlchemy never begins one
        raise RuntimeError("a read transaction began on a closed connection")
    driver.execute("BEGIN")


class Reader:
    """Read-only sessions for the pages.

    On a SQLite file this is a second engine whose transactions begin DEFERRED: the bot's
    engine begins every transaction IMMEDIATE, i.e. takes the write lock even to read, and
    twenty people looking at the dashboard must not keep the dispatcher from writing. In WAL
    mode a deferred reader sees one snapshot and blocks nobody.
    """

    def __init__(self, db: Database) -> None:
        self._own: Engine | None = None
        self._loop: Connection | None = None
        self._loop_cache_set = False
        self.engine = db.engine
        self.dialect = db.dialect
        if db.dialect == "sqlite" and not db.is_memory:
            self._own = create_engine(db.engine.url, pool_size=8)
            event.listen(self._own, "connect", _sqlite_read_connect)
            event.listen(self._own, "begin", _sqlite_read_begin)
            self.engine = self._own

    @property
    def local(self) -> bool:
        """True for an engine of our own on a SQLite file: reads in this process, no network
        (:func:`read` runs the short ones on the event loop)."""
        return self._own is not None

    def session(self) -> Session:
        """A new read session."""
        return Session(self.engine, expire_on_commit=False)

    def loop_connection(self) -> Connection:
        """The connection of the reads on the event loop (``local`` only).

        They run one after the other on one thread, so one connection serves them all, kept
        out of the pool until :meth:`dispose`: checking one out and back in for every page
        cost more than its query. Its driver is in autocommit mode (``_sqlite_read_connect``):
        a statement sent to the driver reads one snapshot, and a transaction begun through
        SQLAlchemy ends with its read (:func:`bounded`). It never waits for a lock: the
        event loop must not stop for ``busy_timeout``; a busy read goes to a thread instead.
        """
        if self._own is None:
            raise RuntimeError("only a SQLite file has a connection for the event loop")
        if self._loop is None:
            self._loop = self._own.connect()
            driver(self._loop).execute("PRAGMA busy_timeout = 0")
            self._loop_cache_set = False
        if not self._loop_cache_set:
            try:
                driver(self._loop).execute(f"PRAGMA cache_size = -{LOOP_CACHE_KIB}")  # KiB
                self._loop_cache_set = True
            except sqlite3.OperationalError:
                # It reads the schema first, and the database is busy: so is the read that
                # asked, which goes to a thread (TooLong); a later read sets the cache.
                pass
        return self._loop

    def dispose(self) -> None:
        """Close the reader's own connections (the bot's engine is not ours to close)."""
        if self._loop is not None:
            self._loop.invalidate()  # closed, not pooled: no thread gets its busy_timeout 0
            self._loop.close()
            self._loop = None
        if self._own is not None:
            self._own.dispose()


READER = web.AppKey("liufang.web.reader", Reader)


def driver(conn: Connection) -> Any:
    """The SQLite driver connection under ``conn`` (for the reads that skip SQLAlchemy)."""
    return conn.connection.driver_connection


class TooLong(Exception):
    """A read that cannot finish on the event loop now (past its budget of steps, the
    database busy, or more work than the loop should do): run it again in a thread."""


def _sqlite_error(error: Exception) -> Any:
    return error.orig if isinstance(error, OperationalError) else error


def bounded(reader: Reader, work: Callable[[Connection], T], steps: int = INLINE_STEPS) -> T:
    """``work`` on the reader's connection for the event loop, interrupted (:class:`TooLong`)
    past ``steps`` steps or when the database is busy; a transaction it began ends with it."""
    conn = reader.loop_connection()
    raw = driver(conn)
    calls = [0]

    def over() -> bool:
        calls[0] += 1
        return calls[0] * STEP > steps  # True makes SQLite stop with "interrupted"

    raw.set_progress_handler(over, STEP)
    try:
        return work(conn)
    except (sqlite3.OperationalError, OperationalError) as error:
        code = getattr(_sqlite_error(error), "sqlite_errorcode", 0) & 0xFF
        if calls[0] * STEP > steps or code == sqlite3.SQLITE_BUSY:
            raise TooLong from error
        raise
    finally:  # the next read gets the connection without it
        raw.set_progress_handler(None, STEP)
        if conn.in_transaction():  # it only read: nothing to keep
            conn.rollback()
        elif raw.in_transaction:  # begun on the driver (:func:`begin`)
            raw.rollback()


def begin(conn: Connection) -> None:
    """Begin a read transaction on the driver of the event loop's connection (in autocommit
    mode, see :meth:`Reader.loop_connection`), for reads that run on the driver: SQLAlchemy's
    begin and rollback of it cost a third of a short read. :func:`bounded` ends it."""
    driver(conn).execute("BEGIN")


def in_transaction(conn: Connection) -> bool:
    """Whether ``conn`` is in a transaction, begun by SQLAlchemy or on its SQLite driver."""
    if conn.in_transaction():
        return True
    return bool(getattr(conn.connection.driver_connection, "in_transaction", False))


def unbounded(reader: Reader, work: Callable[[Session], T]) -> T:
    """``work`` on a read session, as long as it takes (in a worker thread)."""
    with reader.session() as session:
        return work(session)


async def read(
    reader: Reader,
    inline: Callable[[Connection], T],
    threaded: Callable[[Session], T],
    pool: Executor | None = None,
    steps: int = INLINE_STEPS,
) -> T:
    """One read, two ways that give the same answer: ``inline(conn)`` on the event loop
    while it stays short, else (and always on PostgreSQL or an in-memory database)
    ``threaded(session)`` in a worker thread (``pool``'s, else asyncio's). Both only read;
    ``inline`` may be cut short (past ``steps``, see :func:`bounded`), or give up itself by
    raising :class:`TooLong`."""
    if reader.local:
        try:
            return bounded(reader, inline, steps)
        except TooLong:
            pass
    if pool is None:
        return await asyncio.to_thread(unbounded, reader, threaded)
    return await asyncio.get_running_loop().run_in_executor(pool, unbounded, reader, threaded)
