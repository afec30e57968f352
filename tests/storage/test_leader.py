"""Leadership: the PostgreSQL lease with its fencing deadline, and SQLite's one-process lock."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import Database
from storage.leader import LeaderBusy, Lease, SqliteLock, startup_lock
from tests.support.db import POSTGRES_SKIP_REASON, postgres_db, postgres_url


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def pg() -> Database:
    url = postgres_url()
    if url is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    with postgres_db(url) as db:
        yield db


def _expire(db: Database) -> None:
    """Let the database's clock pass the lease, as if its seconds had gone by."""
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE leadership SET expires_at = now() - interval '1 second'"))


def test_one_leader_and_the_other_waits_until_the_lease_expires(pg: Database) -> None:
    a, b = Lease(pg, 15, "a"), Lease(pg, 15, "b")
    assert a.step() is True and a.epoch == 1
    assert b.step() is False and b.epoch is None
    assert a.step() is True and b.step() is False  # renewals keep it
    state = a.state()
    assert state is not None and state.holder == "a" and 10 < state.seconds_left <= 15
    _expire(pg)  # a died: nobody renewed
    assert b.step() is True and b.epoch == 2
    # a comes back: its renewal names an epoch that is over, so it is deposed, not leader.
    assert a.step() is False and a.epoch is None


def test_a_leader_that_cannot_reach_the_database_fences_itself_first(pg: Database) -> None:
    ticks = Ticks()
    a = Lease(pg, 10, "a", monotonic=ticks)
    assert a.step()
    pg.dispose()
    a._db = Database("postgresql://nobody@127.0.0.1:1/none")  # the database is unreachable
    ticks.now += 7.9
    assert a.step() is True  # still inside its own deadline (80 % of the lease)
    ticks.now += 0.2
    assert a.held is False and a.step() is False  # stops before the lease could pass anywhere
    state = Lease(pg, 10, "b").state()
    assert state is not None and state.seconds_left > 0  # and the database still says it is a's


def test_a_clean_release_hands_over_at_once(pg: Database) -> None:
    a, b = Lease(pg, 30, "a"), Lease(pg, 30, "b")
    assert a.step()
    a.release()
    assert a.held is False
    assert b.step() and b.epoch == 2


def test_simultaneous_starts_are_serialised(pg: Database) -> None:
    inside: list[int] = []
    overlap: list[bool] = []

    def start(n: int) -> None:
        with startup_lock(pg):
            inside.append(n)
            overlap.append(len(inside) > 1)
            time.sleep(0.05)
            inside.remove(n)

    threads = [threading.Thread(target=start, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert overlap == [False] * 4


def test_sqlite_refuses_a_second_process_with_a_clear_message(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'liufang.db'}")
    first, second = SqliteLock(db), SqliteLock(db)
    first.acquire()
    with pytest.raises(LeaderBusy, match="SQLite 只能由一个进程运行") as refused:
        second.acquire()
    assert "PostgreSQL" in str(refused.value) and "pid" in str(refused.value)
    first.release()
    second.acquire()  # free again once the first has stopped
    second.release()


def test_the_lease_is_only_for_postgresql(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="PostgreSQL"):
        Lease(Database(f"sqlite:///{tmp_path / 'x.db'}"), 10)
