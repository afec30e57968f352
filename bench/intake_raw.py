"""The intake benchmark's baseline: the rows the dispatcher writes, inserted with plain sqlite3.

The timed run of the dispatcher notes, between messages (outside the timed calls), the rows
each message added to every table (by rowid): the ticket, its events,
reports, meeting, follow-ups and outbox messages. The baseline inserts exactly those rows into
a fresh database of the same schema (so the insert triggers keep the search index, as for the
dispatcher), one transaction per message, through one sqlite3 connection with the
application's pragmas: what the disk and SQLite allow on this machine, with no Python between
the message and its rows.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

# One message's writes: (INSERT statement, its rows) per table, parents first.
Writes = list[tuple[str, list[tuple[Any, ...]]]]

_SKIP = ("sqlite_", "alembic_version", "tickets_fts")  # bookkeeping and the trigger's index


def _connect(path: Path) -> sqlite3.Connection:
    """A connection set up as storage.db sets up the application's."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _tables(conn: sqlite3.Connection) -> list[str]:
    """The data tables, each after the tables its foreign keys point to."""
    names = [
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        if not r[0].startswith(_SKIP)
    ]
    parents = {
        name: {r[2] for r in conn.execute(f'PRAGMA foreign_key_list("{name}")')} - {name}
        for name in names
    }
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and parents[n] <= set(ordered)]
        if not ready:  # a cycle: keep the rest in name order
            ready = [n for n in names if n not in ordered]
        ordered.extend(ready)
    return ordered


def record(path: Path, messages: Sequence[Callable[[], object]]) -> tuple[list[Writes], float]:
    """Run each of ``messages`` (one dispatcher call each) and note the rows it added; also
    the seconds spent in the calls themselves (the rowid look-ups between them excluded)."""
    conn = _connect(path)
    try:
        tables = _tables(conn)
        columns = {t: [r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')] for t in tables}

        def marks() -> dict[str, int]:
            return {
                t: conn.execute(f'SELECT coalesce(max(rowid), 0) FROM "{t}"').fetchone()[0]
                for t in tables
            }

        per_message: list[Writes] = []
        busy = 0.0
        before = marks()
        for process in messages:
            start = time.perf_counter()
            process()
            busy += time.perf_counter() - start
            after = marks()
            writes: Writes = []
            for t in tables:
                if after[t] == before[t]:
                    continue
                cols = columns[t]
                names = ", ".join(f'"{c}"' for c in cols)
                rows = conn.execute(
                    f'SELECT {names} FROM "{t}" WHERE rowid > ? AND rowid <= ? ORDER BY rowid',
                    (before[t], after[t]),
                ).fetchall()
                marks_sql = ", ".join("?" for _ in cols)
                writes.append((f'INSERT INTO "{t}" ({names}) VALUES ({marks_sql})', rows))
            per_message.append(writes)
            before = after
    finally:
        conn.close()
    return per_message, busy


def insert(path: Path, per_message: Sequence[Writes]) -> float:
    """Seconds to insert every message's rows into the database at ``path``, one
    transaction per message."""
    conn = _connect(path)
    try:
        start = time.perf_counter()
        for writes in per_message:
            conn.execute("BEGIN IMMEDIATE")
            for sql, rows in writes:
                conn.executemany(sql, rows)
            conn.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        conn.close()
