"""The sessions of a process's one writer (the dispatcher): on SQLite, one held connection and
one session, whose transactions are begun and committed on the driver itself.

A chat message is one short transaction. Through a new session each time, SQLAlchemy's own
bookkeeping of it (the session, its transaction and the connection's, their events and state
checks) cost several times what SQLite takes for BEGIN and COMMIT, and more than the message's
reads and writes. On SQLite the writer therefore keeps one connection and one session
between messages. The session's transaction, as SQLAlchemy sees it, stays open on that
connection; each message's database transaction is begun by its first statement (``BEGIN
IMMEDIATE``, as :func:`storage.db._sqlite_on_begin` does) and committed by :meth:`Writer.commit`
on the driver. Between messages the session holds no object and the connection holds no
transaction, so no lock: what a new session would be, without building one.

What SQLAlchemy's commit does besides COMMIT is done here as well: the session is flushed,
``before_commit`` and ``after_commit`` listeners are called. Whenever a transaction is not
plain (its session flushed ORM objects, holds a savepoint, or the commit fails), the
session's own commit or reset is used instead, as every session did before: the ORM's record
of what to undo on a rollback never outlives a transaction. On PostgreSQL, and for a session
opened while another is in progress on the held connection (``process_sync`` called from
several threads at once), every session is a new pooled one, committed by the session.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from storage.db import ProjectSession

if TYPE_CHECKING:
    from storage.db import Database

_ORM_FLUSHED = "liufang.writer_orm_flushed"


class Writer:
    """Sessions for a process's one writer: see the module's docstring."""

    def __init__(self, db: Database) -> None:
        """Write to ``db``; nothing is connected until the first session needs it."""
        self._db = db
        self._held: Connection | None = None
        self._session: ProjectSession | None = None
        self._driver: sqlite3.Connection | None = None
        self._in_use = threading.Lock()

    @contextmanager
    def session(self) -> Iterator[ProjectSession]:
        """A session as :meth:`Database.session` gives, on the held connection when free;
        end its transaction with :meth:`commit` (or leave it to be rolled back)."""
        if self._db.dialect != "sqlite" or not self._in_use.acquire(blocking=False):
            with self._db.session() as pooled:
                yield pooled
            return
        try:
            session = self._ready()
            try:
                yield session
            except BaseException:
                self._discard(session)
                raise
            if self._in_transaction() or _pending(session):  # never committed: undone
                self._discard(session)
            else:
                session.expunge_all()
        finally:
            self._in_use.release()

    def commit(self, session: Session) -> None:
        """Commit the transaction of a session from :meth:`session`; its objects stay
        readable (``expire_on_commit=False``)."""
        if session is not self._session or not self._plain(session):
            session.commit()
            return
        session.dispatch.before_commit(session)
        session.flush()  # what a before_commit listener added; the rest is flushed already
        if session.info.get(_ORM_FLUSHED):
            # Flushed just now: the session's commit ends its record of what to undo.
            session.commit()
            return
        if self._in_transaction():
            self._run("COMMIT")
        session.dispatch.after_commit(session)

    def close(self) -> None:
        """Give the held connection back to the pool (a later session takes another); waits
        for a session in progress on it to end first."""
        with self._in_use:
            session, self._session = self._session, None
            held, self._held = self._held, None
            self._driver = None
            if session is not None:
                session.close()
            if held is not None:
                held.close()

    def _ready(self) -> ProjectSession:
        """The held session, empty, its connection (re)opened when need be."""
        held, session = self._held, self._session
        if held is None or held.closed or held.invalidated or session is None:
            if session is not None:
                session.close()
            held = self._held = self._db.engine.connect()
            self._driver = held.connection.driver_connection
            # The first statement of each transaction begins it, whatever runs it: the
            # driver statements of storage.driver and SQLAlchemy's own alike.
            event.listen(held, "before_cursor_execute", self._begin_if_idle)
            session = self._session = ProjectSession(bind=held, expire_on_commit=False)
            event.listen(session, "after_flush", _note_orm_flush)
        session.info.clear()  # as a new session's: nothing carried from the last message
        return session

    def _plain(self, session: Session) -> bool:
        """Whether the transaction can be committed on the driver: nothing of the ORM's to
        flush or to keep track of, and no savepoint open."""
        if session.info.get(_ORM_FLUSHED) or _pending(session):
            return False
        return not session.in_nested_transaction()

    def _discard(self, session: Session) -> None:
        """Undo the transaction and forget the session's objects, as closing a new session
        would (SQLAlchemy rolls back the connection's transaction)."""
        try:
            session.reset()
        finally:
            if self._in_transaction():  # begun on the driver, unknown to SQLAlchemy
                self._run("ROLLBACK")

    def _begin_if_idle(self, conn: Connection, *_args: Any) -> None:
        if not self._in_transaction():
            self._run("BEGIN IMMEDIATE")

    def _in_transaction(self) -> bool:
        driver = self._driver
        return driver is not None and driver.in_transaction

    def _run(self, sql: str) -> None:
        driver = self._driver
        if driver is None:  # the connection was given back meanwhile
            raise RuntimeError(f"{sql} on a closed writer connection")
        try:
            driver.execute(sql)
        except sqlite3.Error as error:  # as SQLAlchemy would raise it (database is locked)
            raise DBAPIError.instance(sql, (), error, sqlite3.Error) from error


def _pending(session: Session) -> bool:
    """Whether the session holds changes the ORM has not flushed."""
    return bool(session.new or session.dirty or session.deleted)


def _note_orm_flush(session: Session, _context: object) -> None:
    # The ORM wrote objects in this transaction: its commit or rollback must end it.
    session.info[_ORM_FLUSHED] = True
