"""Who may send: one leader per database, the others standby.

PostgreSQL: a lease row (``leadership``) renewed against the database's own clock. A process
takes the lease only once it has expired (or was released), and every new leader raises the
``epoch``, the fencing token. The leader keeps a local deadline measured from *before* each
renewal request, shorter than the lease, so it stops sending before any other process could
take over, even when it cannot reach the database to learn that it lost.

SQLite: one process per database file, enforced with an exclusive lock on ``<file>.lock``
that the kernel drops when the process dies; a second process is refused with a clear message.

Start-up (migrations and the config's directory sync) is serialised across processes with a
PostgreSQL session advisory lock, so simultaneous starts queue instead of crashing.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Row, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from storage.db import Database

log = logging.getLogger(__name__)

LEASE_NAME = "main"
_STARTUP_LOCK = 0x6C6976  # next to the migration lock of storage.db; any shared constant
# How much of the lease the leader keeps for itself: it stops sending this long before the
# lease could expire on the database, so clock rates and a slow last request cannot overlap.
SAFETY_FRACTION = 0.2


class LeaderBusy(Exception):
    """Another process runs on this database (SQLite), or holds the lease (restore)."""


def holder_id() -> str:
    """A name for this process that a person can read: host, pid and a random tail."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _sqlite_lock_path(db: Database) -> Path | None:
    database = make_url(db.url).database or ""
    if db.dialect != "sqlite" or db.is_memory or database.startswith("file:"):
        return None
    return Path(database).expanduser().with_name(Path(database).name + ".lock")


class SqliteLock:
    """The one-process-per-file rule of SQLite: an exclusive ``flock`` on ``<file>.lock``."""

    def __init__(self, db: Database) -> None:
        self.path = _sqlite_lock_path(db)
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise LeaderBusy saying which process has it."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            who = handle.read().strip() or "另一个进程"
            handle.close()
            raise LeaderBusy(
                f"数据库 {self.path.with_suffix('')} 已被另一个 liufang 进程使用（{who}）。"
                "SQLite 只能由一个进程运行；先停止那个进程，或改用 PostgreSQL 运行多个实例。\n"
                f"The SQLite database is in use by another liufang process ({who}); stop it "
                "first, or use PostgreSQL to run a standby."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        """Let another process open the file."""
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


@contextlib.contextmanager
def startup_lock(db: Database) -> Iterator[None]:
    """Serialise start-up work (migrations, directory sync) across processes on PostgreSQL."""
    if db.dialect != "postgresql":
        yield
        return
    with db.engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _STARTUP_LOCK})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _STARTUP_LOCK})
            conn.commit()


@dataclass(frozen=True, slots=True)
class LeaseState:
    """The lease row as the database sees it now."""

    holder: str
    epoch: int
    seconds_left: float  # negative once expired


_ENSURE = text(
    "INSERT INTO leadership (name, holder, epoch) VALUES (:name, '', 0) ON CONFLICT DO NOTHING"
)
# The previous holder is read in the same statement: '' after a clean release or the first
# start, a name when a leader died or lost its connection (the standby "took over").
_TAKE = text(
    "UPDATE leadership AS l SET holder = :me, epoch = l.epoch + 1, acquired_at = now(),"
    " expires_at = now() + make_interval(secs => :lease)"
    " FROM (SELECT holder FROM leadership WHERE name = :name FOR UPDATE) AS p"
    " WHERE l.name = :name AND (l.expires_at IS NULL OR l.expires_at < now())"
    " RETURNING l.epoch, p.holder"
)
_RENEW = text(
    "UPDATE leadership SET expires_at = now() + make_interval(secs => :lease)"
    " WHERE name = :name AND holder = :me AND epoch = :epoch"
    " RETURNING epoch"
)
_RELEASE = text(
    "UPDATE leadership SET holder = '', expires_at = now() - interval '1 second'"
    " WHERE name = :name AND holder = :me AND epoch = :epoch RETURNING epoch"
)
_STATE = text(
    "SELECT holder, epoch, EXTRACT(EPOCH FROM (expires_at - now())) FROM leadership"
    " WHERE name = :name"
)


class Lease:
    """The PostgreSQL leadership lease of one process (blocking calls: run them in a thread)."""

    def __init__(
        self,
        db: Database,
        lease_seconds: float,
        me: str | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if db.dialect != "postgresql":
            raise ValueError("the lease is for PostgreSQL; SQLite uses SqliteLock")
        self._db = db
        self.lease_seconds = lease_seconds
        self.me = me or holder_id()
        self._monotonic = monotonic
        self.epoch: int | None = None
        self.previous_holder = ""
        self._valid_until = 0.0

    @property
    def held(self) -> bool:
        """Whether this process may act as the leader now (false once the local deadline passed,
        whatever the database would say)."""
        return self.epoch is not None and self._monotonic() < self._valid_until

    def _call(self, statement: Any, **params: object) -> Row[*tuple[Any, ...]] | None:
        """Run one lease statement in its own transaction; the row it returned, if any."""
        with self._db.engine.connect() as conn:
            conn.execute(_ENSURE, {"name": LEASE_NAME})
            row = conn.execute(statement, {"name": LEASE_NAME, "me": self.me, **params}).first()
            conn.commit()
            return row

    def step(self) -> bool:
        """Take the lease if it is free, or renew it if it is ours; whether we hold it now.

        An error (the database unreachable) counts as not renewed: the local deadline set by
        the last success still stands, and :attr:`held` turns false when it passes.
        """
        started = self._monotonic()
        try:
            if self.epoch is not None:
                if self._call(_RENEW, lease=self.lease_seconds, epoch=self.epoch) is None:
                    self.epoch = None  # someone else has it: we were deposed
            else:
                row = self._call(_TAKE, lease=self.lease_seconds)
                if row is not None:
                    self.epoch, self.previous_holder = int(row[0]), str(row[1] or "")
        except SQLAlchemyError as exc:  # unreachable: not renewed; the local deadline stands
            log.warning("leadership: the lease could not be renewed or taken: %s", exc)
            return self.held
        if self.epoch is not None:
            self._valid_until = started + self.lease_seconds * (1 - SAFETY_FRACTION)
        return self.held

    def release(self) -> None:
        """Give the lease up at once (a clean stop): the standby takes over on its next check."""
        epoch, self.epoch, self._valid_until = self.epoch, None, 0.0
        if epoch is not None:
            try:
                self._call(_RELEASE, epoch=epoch)
            except SQLAlchemyError as exc:  # the standby takes over when the lease runs out
                log.warning("leadership: the lease could not be handed over: %s", exc)

    def state(self) -> LeaseState | None:
        """The lease row now, or None before anyone took it."""
        with self._db.engine.connect() as conn:
            row = conn.execute(_STATE, {"name": LEASE_NAME}).first()
        if row is None:
            return None
        return LeaseState(str(row[0]), int(row[1]), float(row[2]) if row[2] is not None else -1)


def ensure_no_runner(url: str) -> None:
    """Raise LeaderBusy when a liufang process is running on this database (before a restore)."""
    db = Database(url)
    try:
        if db.dialect == "sqlite":
            lock = SqliteLock(db)
            lock.acquire()
            lock.release()
            return
        try:
            state = Lease(db, 1).state()
        except SQLAlchemyError:  # no leadership table yet: nothing has run on this version
            log.info("no leadership table: no liufang process has run on this database")
            return
        if state is not None and state.seconds_left > 0:
            raise LeaderBusy(
                f"liufang 正在运行（{state.holder}），请先停止所有实例 / "
                f"liufang is running ({state.holder}): stop every instance first"
            )
    finally:
        db.dispose()
