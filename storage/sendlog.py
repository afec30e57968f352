"""The send journal: what the sender handed to the chat network, written the instant it did.

Exactly once has one unavoidable window: between the chat network accepting a message and
the database recording that. Marking the outbox row takes a transaction (on SQLite it waits
for the write lock the dispatcher may hold), so the sender first writes a one-line record to
a journal that nobody else writes to, synchronously, with no ``await`` between the send
returning and the record: ``begin`` before the part is handed over, ``done`` right after.

On start-up :meth:`SendJournal.recover` settles what the journal knows: a part that is
``done`` is marked sent in the outbox (it is never sent again); a part that was begun and
never done is *unknown* (the process died while the network had it): it is sent again —
better twice than never — and counted, so the duplicate rate can be measured. A part with no
record at all was never handed over and is simply sent.

SQLite keeps the journal in a file of its own next to the database (``<db>.sends``): a single
process writes it, so it is never locked. PostgreSQL keeps it in the ``outbox_sends`` table,
written on a connection of its own in autocommit mode (no other transaction touches it).

SQLite copies its write-ahead log back into the file in a checkpoint, which syncs the disk
(milliseconds). Left to SQLite, it runs in whichever write crosses 1000 pages, often the
``begin`` right before a send; here it runs in :meth:`SendJournal.forget` instead, after the
outbox recorded the sends and off the sending path, every ``CHECKPOINT_EVERY`` writes.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from storage.db import Database

CHECKPOINT_EVERY = 200  # journal writes between two checkpoints (a few pages each)
# SQLite's own checkpoint stays as a backstop, far beyond ours, in case forget stops coming.
_AUTO_CHECKPOINT_PAGES = 20_000

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS outbox_sends ("
    " row_id BIGINT NOT NULL, start_at INTEGER NOT NULL, end_at INTEGER NOT NULL,"
    " state VARCHAR(8) NOT NULL, at DOUBLE PRECISION NOT NULL,"
    " PRIMARY KEY (row_id, start_at))"
)


@dataclass(frozen=True, slots=True)
class Recovered:
    """What a start-up learned from the journal."""

    done: list[tuple[list[int], int, int]]  # (row ids, start, end) handed over and accepted
    unknown: list[tuple[list[int], int]]  # (row ids, start) handed over, outcome unknown


class SendJournal:
    """begin/done records per part of an outbox message, keyed by its first row and start."""

    def __init__(self, db: Database) -> None:
        self._lock = threading.Lock()
        self._dialect = db.dialect
        if db.dialect == "sqlite":
            self._conn: Any = sqlite3.connect(
                self._sqlite_path(db), isolation_level=None, check_same_thread=False
            )
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")  # a SIGKILL keeps the OS cache
            self._conn.execute(f"PRAGMA wal_autocheckpoint = {_AUTO_CHECKPOINT_PAGES}")
            self._conn.execute(
                _SCHEMA.replace("BIGINT", "INTEGER").replace("DOUBLE PRECISION", "REAL")
            )
            self._param = "?"
        else:
            import psycopg

            url = make_url(db.url).set(drivername="postgresql")
            self._conn = psycopg.connect(
                url.render_as_string(hide_password=False), autocommit=True
            )
            self._conn.execute(_SCHEMA)
            self._param = "%s"
        self._writes = 0  # since the last checkpoint (SQLite)

    @staticmethod
    def _sqlite_path(db: Database) -> str:
        database = make_url(db.url).database or ""
        if db.is_memory or not database:
            return ":memory:"
        return str(Path(database).expanduser()) + ".sends"

    def _run(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            cursor = self._conn.execute(sql.replace("?", self._param), tuple(params))
            if cursor.description:
                return list(cursor.fetchall())
            self._writes += 1
            return []

    def begin(self, row_ids: Sequence[int], start: int, end: int) -> None:
        """About to hand ``text[start:end]`` of these rows to the channel."""
        for row_id in row_ids:
            self._run(
                "INSERT INTO outbox_sends (row_id, start_at, end_at, state, at)"
                " VALUES (?, ?, ?, 'begun', ?) ON CONFLICT (row_id, start_at)"
                " DO UPDATE SET end_at = excluded.end_at, state = 'begun', at = excluded.at",
                (row_id, start, end, time.time()),
            )

    def done(self, row_ids: Sequence[int], start: int) -> None:
        """The channel accepted the part: call with no ``await`` since the send returned."""
        for row_id in row_ids:
            self._run(
                "UPDATE outbox_sends SET state = 'done' WHERE row_id = ? AND start_at = ?",
                (row_id, start),
            )

    def failed(self, row_ids: Sequence[int], start: int) -> None:
        """The channel refused the part: nothing went out, so nothing is unknown."""
        for row_id in row_ids:
            self._run(
                "DELETE FROM outbox_sends WHERE row_id = ? AND start_at = ?", (row_id, start)
            )

    def forget(self, row_ids: Sequence[int]) -> None:
        """The outbox now records these rows' progress: the journal lines are not needed."""
        for row_id in row_ids:
            self._run("DELETE FROM outbox_sends WHERE row_id = ?", (row_id,))
        if self._dialect == "sqlite" and self._writes >= CHECKPOINT_EVERY:
            with self._lock:
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                self._writes = 0

    def pending(self) -> list[tuple[int, int, int, str]]:
        """Every line still in the journal: (row id, start, end, state)."""
        return [
            (int(r[0]), int(r[1]), int(r[2]), str(r[3]))
            for r in self._run(
                "SELECT row_id, start_at, end_at, state FROM outbox_sends"
                " ORDER BY row_id, start_at"
            )
        ]

    def close(self) -> None:
        """Close the journal's own connection."""
        with self._lock:
            self._conn.close()
