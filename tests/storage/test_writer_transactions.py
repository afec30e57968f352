"""The writer's transactions: begun by their first statement, committed or undone whole, and
nothing (no lock, no object) carried from one message to the next."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from sqlalchemy import event, func, select, text
from sqlmodel import Session

from storage import core
from storage.db import Database, ProjectSession
from storage.models import OutboxMessage, Ticket
from storage.writer import Writer
from tests.support.db import T0, seed_community, ticket


def _row(n: int) -> dict[str, object]:
    return {
        "room_id": "r",
        "text": f"m{n}",
        "mention_ids": "",
        "created_at": T0,
        "not_before": T0,
        "kind": "reply",
        "urgent": False,
    }


def _count(db: Database) -> int:
    with db.session() as session:
        return int(session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one())


@pytest.fixture
def writer(database: Database) -> Iterator[Writer]:
    made = database.writer()
    try:
        yield made
    finally:
        made.close()


def test_a_committed_message_is_kept_and_a_failed_one_leaves_nothing(
    database: Database, writer: Writer
) -> None:
    with writer.session() as session:
        core.insert_rows(session, OutboxMessage, [_row(1)])
        writer.commit(session)
    with pytest.raises(RuntimeError), writer.session() as session:
        core.insert_rows(session, OutboxMessage, [_row(2), _row(3)])
        raise RuntimeError("a handler failed after writing")
    with writer.session() as session:  # not committed: undone as well
        core.insert_rows(session, OutboxMessage, [_row(4)])
    with writer.session() as session:
        core.insert_rows(session, OutboxMessage, [_row(5)])
        writer.commit(session)
    with database.session() as session:
        texts = session.execute(select(OutboxMessage.text).order_by(OutboxMessage.id)).scalars()
        assert list(texts) == ["m1", "m5"]


def test_a_failed_commit_leaves_nothing(database: Database, writer: Writer) -> None:
    """An insert refused at the end (a duplicate key) undoes the rows written before it."""
    seed_community(database)
    with writer.session() as session:
        session.add(ticket("room:1"))
        writer.commit(session)
    with pytest.raises(Exception, match="source_msg_id"), writer.session() as session:
        core.insert_rows(session, OutboxMessage, [_row(1)])
        session.add(ticket("room:1"))  # flushed by the commit, refused there
        writer.commit(session)
    assert _count(database) == 0
    with writer.session() as session:
        core.insert_rows(session, OutboxMessage, [_row(2)])
        writer.commit(session)
    assert _count(database) == 1


def test_objects_do_not_outlive_their_message(database: Database, writer: Writer) -> None:
    seed_community(database)
    with writer.session() as session:
        made = ticket("room:1")
        session.add(made)
        writer.commit(session)
        assert made.id is not None and made in session
        session.info["note"] = "this message's"
    with writer.session() as session:
        assert made not in session and not session.identity_map and not session.info
        stored = session.get(Ticket, made.id)
        assert stored is not None and stored is not made
        stored.plus_ones = 3  # changed through the ORM: flushed and committed
        writer.commit(session)
    with database.session() as session:
        again = session.get(Ticket, made.id)
        assert again is not None and again.plus_ones == 3


def test_a_rollback_inside_the_message_undoes_what_came_before_it(
    database: Database, writer: Writer
) -> None:
    """A refused command rolls back what it began; the message's replies are still written."""
    with writer.session() as session:
        core.insert_rows(session, OutboxMessage, [_row(1)])
        session.rollback()
        core.insert_rows(session, OutboxMessage, [_row(2)])
        writer.commit(session)
    with database.session() as session:
        assert list(session.execute(select(OutboxMessage.text)).scalars()) == ["m2"]


def test_commit_listeners_are_called(writer: Writer) -> None:
    calls: list[str] = []

    def before(session: Session) -> None:
        calls.append("before")

    def after(session: Session) -> None:
        calls.append("after")

    event.listen(ProjectSession, "before_commit", before)
    event.listen(ProjectSession, "after_commit", after)
    try:
        with writer.session() as session:
            core.insert_rows(session, OutboxMessage, [_row(1)])
            writer.commit(session)
        with writer.session() as session:  # nothing read or written: listeners all the same
            writer.commit(session)
    finally:
        event.remove(ProjectSession, "before_commit", before)
        event.remove(ProjectSession, "after_commit", after)
    assert calls == ["before", "after", "before", "after"]


def _other_writer_waits(path: str) -> bool:
    """Whether another connection finds the write lock taken."""
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return True
    finally:
        other.close()


def test_the_lock_is_taken_by_the_first_statement_and_given_back_by_the_commit(
    sqlite_database: Database,
) -> None:
    path = sqlite_database.engine.url.database or ""
    writer = sqlite_database.writer()
    try:
        for _ in range(2):  # the first message, then one on the held session
            with writer.session() as session:
                assert not _other_writer_waits(path)  # nothing asked yet: nothing locked
                session.execute(text("SELECT 1"))  # a read takes the write lock at once
                assert _other_writer_waits(path)
                core.insert_rows(session, OutboxMessage, [_row(1)])
                writer.commit(session)
                assert not _other_writer_waits(path)
            assert not _other_writer_waits(path)
        with pytest.raises(RuntimeError), writer.session() as session:
            session.execute(text("SELECT 1"))
            raise RuntimeError("failed")
        assert not _other_writer_waits(path)
    finally:
        writer.close()
    assert _count(sqlite_database) == 2


def test_a_busy_database_fails_the_message_at_its_first_statement(
    sqlite_database: Database,
) -> None:
    """Another process holding the write lock past the busy timeout: the statement fails as
    SQLAlchemy's would, and the writer is usable again afterwards."""
    path = sqlite_database.engine.url.database or ""
    writer = sqlite_database.writer()
    try:
        with writer.session() as session:  # the held session, as after the first message
            session.execute(text("PRAGMA busy_timeout = 0"))  # no waiting in this test
            writer.commit(session)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(Exception, match="locked"), writer.session() as session:
                core.insert_rows(session, OutboxMessage, [_row(1)])
        finally:
            other.execute("ROLLBACK")
            other.close()
        with writer.session() as session:
            core.insert_rows(session, OutboxMessage, [_row(2)])
            writer.commit(session)
    finally:
        writer.close()
    assert _count(sqlite_database) == 1
