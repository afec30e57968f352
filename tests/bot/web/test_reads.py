"""Short reads run on the event loop; a read past its budget of SQLite steps runs in a thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, text
from sqlmodel import Session

from bot.web import reads
from bot.web.reads import (
    LOOP_CACHE_KIB,
    READ_MMAP_BYTES,
    Reader,
    TooLong,
    begin,
    bounded,
    driver,
    in_transaction,
    read,
)
from storage.db import Database
from tests.support.locks import locked_out

# A read of a few hundred thousand steps, whatever the tables hold.
HEAVY = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000) "
    "SELECT count(*) FROM n"
)


def _count(conn: Any) -> int:
    return int(driver(conn).execute(HEAVY).fetchone()[0])


def _count_session(session: Session) -> int:
    return int(session.execute(text(HEAVY)).scalar_one())


def _one(conn: Any) -> int:
    return int(driver(conn).execute("SELECT 1").fetchone()[0])


def _one_session(session: Session) -> int:
    return int(session.execute(text("SELECT 1")).scalar_one())


def _count_core(conn: Connection) -> int:
    return int(conn.execute(text(HEAVY)).scalar_one())


def _tickets(conn: Any) -> int:
    return int(driver(conn).execute("SELECT count(*) FROM tickets").fetchone()[0])


def _tickets_session(session: Session) -> int:
    return int(session.execute(text("SELECT count(*) FROM tickets")).scalar_one())


def _nowhere(conn: Any) -> Any:
    return driver(conn).execute("SELECT * FROM nowhere")


def _where(work: Any) -> tuple[list[str], Any]:
    """``work`` that records which thread it ran on."""
    threads: list[str] = []

    def recorded(session: Session) -> Any:
        threads.append(threading.current_thread().name)
        return work(session)

    return threads, recorded


@pytest.fixture
def reader(sqlite_database: Database) -> Iterator[Reader]:
    """A reader of the test's SQLite file, disposed after the test whatever it did."""
    made = Reader(sqlite_database)
    try:
        yield made
    finally:
        made.dispose()


def test_a_short_read_stays_on_the_calling_thread(reader: Reader) -> None:
    assert reader.local
    threads, work = _where(_one)
    assert asyncio.run(read(reader, work, _one_session)) == 1
    assert threads == ["MainThread"]


def test_a_long_read_is_interrupted_and_run_again_in_a_thread(reader: Reader) -> None:
    with pytest.raises(TooLong):
        bounded(reader, _count)
    inline, first = _where(_count)
    threaded, then = _where(_count_session)
    assert asyncio.run(read(reader, first, then)) == 50000  # the whole answer, in a thread
    assert inline == ["MainThread"] and len(threaded) == 1 and threaded != inline
    # The interrupted connection kept no budget: a long read on it is not cut short again.
    assert _count(reader.loop_connection()) == 50000


def test_one_connection_serves_the_loop_until_dispose(sqlite_database: Database) -> None:
    reader = Reader(sqlite_database)
    first = reader.loop_connection()
    assert bounded(reader, _one) == 1 and reader.loop_connection() is first
    raw = driver(first)
    assert raw.execute("PRAGMA query_only").fetchone()[0] == 1  # the reader's settings
    assert raw.execute("PRAGMA busy_timeout").fetchone()[0] == 0  # but it never waits
    reader.dispose()
    with pytest.raises(sqlite3.ProgrammingError):  # closed with the reader's engine
        raw.execute("SELECT 1")


def test_a_larger_budget_lets_the_same_read_finish_inline(reader: Reader) -> None:
    assert bounded(reader, _count, steps=10_000_000) == 50000


def test_other_database_errors_are_not_mistaken_for_the_budget(
    reader: Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = []
    monkeypatch.setattr(reads, "unbounded", lambda *a: ran.append(a))
    with pytest.raises(sqlite3.OperationalError):
        asyncio.run(read(reader, _nowhere, _one_session))
    assert ran == []  # not retried in a thread


def test_a_transaction_begun_on_the_loop_ends_with_its_read(reader: Reader) -> None:
    """Open311 reads the loop's connection through SQLAlchemy, in one transaction: it ends
    with the read, and an interrupt in SQLAlchemy's hands is the budget too."""
    conn = reader.loop_connection()
    assert bounded(reader, lambda c: c.execute(text("SELECT 1")).scalar_one()) == 1
    assert not conn.in_transaction() and not driver(conn).in_transaction
    with pytest.raises(TooLong):
        bounded(reader, _count_core)
    assert not conn.in_transaction() and not driver(conn).in_transaction
    assert bounded(reader, _count_core, steps=10_000_000) == 50000


def test_a_transaction_begun_on_the_driver_ends_with_its_read(reader: Reader) -> None:
    """Open311 begins the loop's reads on the driver: the snapshot ends with the read, also
    when it is cut short, and SQLAlchemy's connection never knew of it."""

    def snapshot(conn: Connection) -> bool:
        begin(conn)
        return in_transaction(conn) and not conn.in_transaction()

    conn = reader.loop_connection()
    assert bounded(reader, snapshot)
    assert not driver(conn).in_transaction and not in_transaction(conn)
    with pytest.raises(TooLong):
        bounded(reader, lambda c: (begin(c), driver(c).execute(HEAVY).fetchone()))
    assert not driver(conn).in_transaction
    assert bounded(reader, _one) == 1


def test_a_busy_database_sends_the_read_to_a_thread_that_waits(
    sqlite_database: Database, reader: Reader
) -> None:
    """The loop's connection never waits for a lock; the thread's waits its busy_timeout."""
    assert bounded(reader, _tickets) == 0
    path = str(sqlite_database.engine.url.database)
    with locked_out(path, sqlite_database.engine.dispose, reader.dispose) as release:
        start = time.monotonic()
        with pytest.raises(TooLong):  # at once, not after busy_timeout
            bounded(reader, _tickets)
        assert time.monotonic() - start < 1
        inline, first = _where(_tickets)
        threaded, then = _where(_tickets_session)
        threading.Timer(0.3, release).start()
        assert asyncio.run(read(reader, first, then)) == 0
        assert time.monotonic() - start >= 0.3  # the thread waited for the lock
    assert inline == ["MainThread"] and len(threaded) == 1 and threaded != inline
    assert bounded(reader, _tickets) == 0  # the loop reads again once it is free
    # Its page cache, which the busy database kept it from setting, is set now.
    assert _cache_size(reader) == -LOOP_CACHE_KIB


def _cache_size(reader: Reader) -> int:
    return int(driver(reader.loop_connection()).execute("PRAGMA cache_size").fetchone()[0])


def test_the_loop_connection_keeps_a_larger_page_cache(reader: Reader) -> None:
    assert _cache_size(reader) == -LOOP_CACHE_KIB
    with reader.session() as session:  # the pool's connections keep SQLite's default
        pooled = session.connection().exec_driver_sql("PRAGMA cache_size").scalar_one()
    assert pooled != -LOOP_CACHE_KIB


def test_read_connections_map_the_file_and_the_bots_do_not(
    sqlite_database: Database, reader: Reader
) -> None:
    loop = driver(reader.loop_connection()).execute("PRAGMA mmap_size").fetchone()[0]
    with reader.session() as session:
        pooled = session.connection().exec_driver_sql("PRAGMA mmap_size").scalar_one()
    assert loop == pooled == READ_MMAP_BYTES
    with sqlite_database.session() as session:  # the writers' connections: not mapped
        assert session.connection().exec_driver_sql("PRAGMA mmap_size").scalar_one() == 0


def _reads_in_a_thread(database: Database) -> None:
    reader = Reader(database)
    try:
        assert not reader.local
        threads, work = _where(_one_session)
        assert asyncio.run(read(reader, _one, work)) == 1
        assert threads != ["MainThread"] and len(threads) == 1
    finally:
        reader.dispose()


def test_in_memory_every_read_is_in_a_thread() -> None:
    """An in-memory database is the bot's own engine, shared: no budget is set on it."""
    database = Database("sqlite://")
    try:
        _reads_in_a_thread(database)
    finally:
        database.dispose()


def test_on_postgresql_every_read_is_in_a_thread(database: Database) -> None:
    """PostgreSQL answers over the network: a read never waits on the event loop."""
    if database.dialect == "sqlite":
        pytest.skip("PostgreSQL only")
    _reads_in_a_thread(database)
