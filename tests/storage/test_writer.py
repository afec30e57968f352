"""The dispatcher's writer: one held SQLite connection between messages, never shared."""

from __future__ import annotations

import threading

from sqlalchemy import text

from storage.db import Database


def _connection_id(session: object) -> int:
    return id(session.connection().connection.driver_connection)  # type: ignore[attr-defined]


def test_one_message_after_another_uses_the_same_connection(sqlite_database: Database) -> None:
    writer = sqlite_database.writer()
    try:
        seen = set()
        for _ in range(3):
            with writer.session() as session:
                seen.add(_connection_id(session))
                session.execute(text("SELECT 1"))
                session.commit()
        assert len(seen) == 1
    finally:
        writer.close()


def test_a_session_opened_while_one_is_in_progress_takes_another_connection(
    sqlite_database: Database,
) -> None:
    """process_sync called from two threads at once: the second session does not begin a
    transaction inside the first's (sqlite3: "cannot start a transaction within a
    transaction"), it takes a pooled connection and waits for the write lock."""
    writer = sqlite_database.writer()
    inside, done = threading.Event(), threading.Event()
    ids: list[int] = []

    def first() -> None:
        with writer.session() as session:
            ids.append(_connection_id(session))
            session.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
            inside.set()
            done.wait(5)
            session.commit()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert inside.wait(5)
        threading.Timer(0.2, done.set).start()
        with writer.session() as session:  # waits for the first's lock, then writes
            ids.append(_connection_id(session))
            session.execute(text("INSERT INTO t VALUES (1)"))
            session.commit()
        thread.join(5)
        assert len(set(ids)) == 2
        with writer.session() as session:  # free again: the held connection
            assert _connection_id(session) == ids[0]
            assert session.execute(text("SELECT count(*) FROM t")).scalar_one() == 1
    finally:
        done.set()
        thread.join(5)
        writer.close()


def test_close_gives_the_connection_back_and_a_later_session_takes_another(
    sqlite_database: Database,
) -> None:
    writer = sqlite_database.writer()
    with writer.session() as session:
        held = session.connection()
    writer.close()
    assert held.closed
    with writer.session() as session:
        assert session.connection() is not held
        assert session.execute(text("SELECT 1")).scalar_one() == 1
    writer.close()
