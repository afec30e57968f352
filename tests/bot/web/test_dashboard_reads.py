"""Short reads run on the event loop; a read past its budget of SQLite steps runs in a thread."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from bot.web import dashboard_reads
from bot.web.dashboard_query import Reader
from bot.web.dashboard_reads import TooLong, bounded, read
from storage.db import Database

# A read of a few hundred thousand steps, whatever the tables hold.
HEAVY = text(
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000) "
    "SELECT count(*) FROM n"
)


def _count(session: Session) -> int:
    return int(session.execute(HEAVY).scalar_one())


def _where(work: Any) -> tuple[list[str], Any]:
    """``work`` that records which thread it ran on."""
    threads: list[str] = []

    def recorded(session: Session) -> Any:
        threads.append(threading.current_thread().name)
        return work(session)

    return threads, recorded


def test_a_short_read_stays_on_the_calling_thread(sqlite_database: Database) -> None:
    reader = Reader(sqlite_database)
    try:
        assert reader.local
        threads, work = _where(lambda s: s.execute(text("SELECT 1")).scalar_one())
        assert asyncio.run(read(reader, work)) == 1
        assert threads == ["MainThread"]
    finally:
        reader.dispose()


def test_a_long_read_is_interrupted_and_run_again_in_a_thread(
    sqlite_database: Database,
) -> None:
    reader = Reader(sqlite_database)
    try:
        with pytest.raises(TooLong):
            bounded(reader, _count)
        threads, work = _where(_count)
        assert asyncio.run(read(reader, work)) == 50000  # the whole answer, from the thread
        assert threads[0] == "MainThread" and len(threads) == 2
        assert threads[1] != "MainThread"
        # The interrupted connection went back to the pool without its budget: a long read
        # on it is never cut short again.
        for _ in range(reader.engine.pool.size() + 1):
            with reader.session() as session:
                assert _count(session) == 50000
    finally:
        reader.dispose()


def test_a_larger_budget_lets_the_same_read_finish_inline(sqlite_database: Database) -> None:
    reader = Reader(sqlite_database)
    try:
        assert bounded(reader, _count, steps=10_000_000) == 50000
    finally:
        reader.dispose()


def test_other_database_errors_are_not_mistaken_for_the_budget(
    sqlite_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = Reader(sqlite_database)
    ran = []
    monkeypatch.setattr(dashboard_reads, "unbounded", lambda *a: ran.append(a))
    try:
        with pytest.raises(OperationalError):
            asyncio.run(read(reader, lambda s: s.execute(text("SELECT * FROM nowhere")).all()))
        assert ran == []  # not retried in a thread
    finally:
        reader.dispose()


def _reads_in_a_thread(database: Database) -> None:
    reader = Reader(database)
    try:
        assert not reader.local
        threads, work = _where(lambda s: s.execute(text("SELECT 1")).scalar_one())
        assert asyncio.run(read(reader, work)) == 1
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
