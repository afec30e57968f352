"""Outbox claims: a sender claims the rows it sends, under its leadership term, and the send
journal records each part's hand-over; on both backends (PostgreSQL: SKIP LOCKED)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import Session

from storage.db import Database
from storage.outbox import enqueue
from storage.outbox_send import Claimant, claim
from storage.sendlog import CHECKPOINT_EVERY, SendJournal
from tests.support.db import T0

A = Claimant("host:1:a", 1, timedelta(minutes=2))
B = Claimant("host:2:b", 1, timedelta(minutes=2))


def _rows(db: Database, n: int) -> list[int]:
    with db.session() as session:
        ids = [
            enqueue(
                session, room_id=f"r{i % 3}", to_id=None, text=f"m{i}", mention_ids=(), now=T0
            ).id
            for i in range(n)
        ]
        session.commit()
    return [i for i in ids if i is not None]


def _claim(db: Database, who: Claimant, minutes: float = 0, limit: int = 100) -> list[int]:
    with db.session() as session:
        rows = claim(session, T0 + timedelta(minutes=minutes), who, limit)
        session.commit()
        return [r.id for r in rows if r.id is not None]


def test_a_live_claim_keeps_other_senders_off(database: Database) -> None:
    ids = _rows(database, 4)
    assert _claim(database, A) == ids
    assert _claim(database, B) == []  # A holds them
    assert _claim(database, A) == ids  # its own claims are still its own
    assert _claim(database, B, minutes=3) == ids  # A's claim ran out (A died)


def test_a_later_term_takes_over_at_once(database: Database) -> None:
    ids = _rows(database, 2)
    assert _claim(database, A) == ids
    new_leader = Claimant("host:3:c", 2, timedelta(minutes=2))
    assert _claim(database, new_leader) == ids  # A's term is over: it is fenced
    assert _claim(database, A) == []  # and the fenced one cannot take them back


def test_postgres_skips_rows_being_claimed_instead_of_waiting(database: Database) -> None:
    if database.dialect != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises writers (BEGIN IMMEDIATE)")
    ids = _rows(database, 6)
    first = Session(database.engine)
    held = claim(first, T0, A, limit=3)  # not committed: the rows stay locked
    got: list[int] = []
    worker = threading.Thread(target=lambda: got.extend(_claim(database, B)))
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "the second claim waited for the first"
    assert sorted([r.id for r in held] + got) == ids and not {r.id for r in held} & set(got)
    first.rollback()
    first.close()


def test_the_journal_records_begun_done_and_forgets(database: Database) -> None:
    journal = SendJournal(database)
    try:
        journal.begin([7, 8], 0, -1)
        journal.begin([9], 0, 1500)
        journal.done([7, 8], 0)
        journal.begin([10], 0, -1)
        journal.failed([10], 0)  # refused: nothing went out
        assert journal.pending() == [(7, 0, -1, "done"), (8, 0, -1, "done"), (9, 0, 1500, "begun")]
        journal.forget([7, 8])
        assert journal.pending() == [(9, 0, 1500, "begun")]
        journal.begin([9], 0, 1500)  # a retry of the same part replaces the line
        assert journal.pending() == [(9, 0, 1500, "begun")]
    finally:
        journal.forget([9])
        journal.close()


class _Spy:
    """A journal connection that remembers the SQL it ran."""

    def __init__(self, conn: object) -> None:
        self.conn = conn
        self.sql: list[str] = []

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> object:
        self.sql.append(sql)
        return self.conn.execute(sql, params)  # type: ignore[attr-defined]

    def close(self) -> None:
        self.conn.close()  # type: ignore[attr-defined]


def test_the_sqlite_journal_checkpoints_in_forget_never_before_a_send(
    sqlite_database: Database,
) -> None:
    journal = SendJournal(sqlite_database)
    spy = journal._conn = _Spy(journal._conn)
    for row_id in range(CHECKPOINT_EVERY):
        journal.begin([row_id], 0, -1)
        journal.done([row_id], 0)
    assert not any("checkpoint" in sql for sql in spy.sql)  # begin and done leave it
    journal.forget(list(range(CHECKPOINT_EVERY)))
    assert sum("wal_checkpoint" in sql for sql in spy.sql) == 1
    assert journal.pending() == []
    journal.forget([1])  # a few writes later: not yet another one
    assert sum("wal_checkpoint" in sql for sql in spy.sql) == 1
    journal.close()
