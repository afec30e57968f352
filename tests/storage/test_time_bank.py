"""The time bank's storage: race-safe redemption, no negative balance, an append-only ledger."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from storage.db import Database
from storage.models import Community
from storage.volunteers.ledger import (
    InsufficientBalance,
    Movement,
    board_all_time,
    board_between,
    ledger_sum,
    open_account,
    post,
)
from storage.volunteers.models import CatalogueItem, LedgerEntry, Redemption, TimeAccount
from storage.volunteers.redeem import OutOfStock, redeem

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _credit(halves: int, at: datetime = T0) -> Movement:
    return Movement("credit", halves, "服务", "wx-sec", "王书记", at)


def _seed(db: Database, stock: int = 1) -> int:
    """A community, an item costing 1 hour with ``stock`` units, and two people with 1 hour."""
    with db.session() as s:
        s.add(Community(code="c1", name="一社区"))
        s.flush()
        item = CatalogueItem(community_code="c1", name="理发", halves=2, stock=stock)
        s.add(item)
        for who in ("alice", "bob"):
            acct = open_account(s, "c1", who, who)
            s.flush()
            post(s, acct, _credit(2))
        s.commit()
        assert item.id is not None
        return item.id


def _try_redeem(db: Database, item_id: int, who: str, hold: float = 0.0) -> str:
    """Redeem in a session of its own; holds the transaction open ``hold`` seconds."""
    with db.session() as s:
        item = s.get(CatalogueItem, item_id)
        assert item is not None
        try:
            redeem(s, item, who, who, T0)
        except (OutOfStock, InsufficientBalance) as refused:
            s.rollback()
            return type(refused).__name__
        time.sleep(hold)
        s.commit()
        return "ok"


def test_two_redemptions_racing_for_the_last_unit_one_succeeds(database: Database) -> None:
    item_id = _seed(database)
    results: dict[str, str] = {}
    first_in = threading.Event()

    def alice() -> None:
        with database.session() as s:
            item = s.get(CatalogueItem, item_id)
            assert item is not None
            redeem(s, item, "alice", "alice", T0)  # the last unit is taken, not yet committed
            first_in.set()
            time.sleep(0.3)  # bob's transaction runs into the held row meanwhile
            s.commit()
            results["alice"] = "ok"

    def bob() -> None:
        first_in.wait(5)
        results["bob"] = _try_redeem(database, item_id, "bob")

    threads = [threading.Thread(target=alice), threading.Thread(target=bob)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert results == {"alice": "ok", "bob": "OutOfStock"}
    with database.session() as s:
        assert s.get(CatalogueItem, item_id).stock == 0  # type: ignore[union-attr]
        assert [r.account_id for r in s.exec(select(Redemption))] != []
        assert len(s.exec(select(Redemption)).all()) == 1
        balances = {a.contact_id: a.balance for a in s.exec(select(TimeAccount))}
        assert balances == {"alice": 0, "bob": 2}


def test_many_racing_redemptions_never_oversell(database: Database) -> None:
    item_id = _seed(database, stock=1)
    start = threading.Barrier(2)
    results: list[str] = []

    def run(who: str) -> None:
        start.wait(5)
        results.append(_try_redeem(database, item_id, who, hold=0.05))

    threads = [threading.Thread(target=run, args=(w,)) for w in ("alice", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(results) == ["OutOfStock", "ok"]
    with database.session() as s:
        assert len(s.exec(select(Redemption)).all()) == 1


def test_a_debit_beyond_the_balance_is_refused_and_a_balance_is_the_ledger_sum(
    database: Database,
) -> None:
    _seed(database, stock=5)
    with database.session() as s:
        acct = open_account(s, "c1", "alice", "alice")
        with pytest.raises(InsufficientBalance) as refused:
            post(s, acct, Movement("debit", -3, "兑换", "alice", "alice", T0))
        assert refused.value.balance == 2
        post(s, acct, Movement("debit", -2, "兑换", "alice", "alice", T0))
        s.commit()
        assert acct.id is not None
        assert acct.balance == 0 == ledger_sum(s, acct.id)


def test_ledger_entries_cannot_be_changed_or_deleted(database: Database) -> None:
    _seed(database)
    with database.session() as s:
        entry = s.exec(select(LedgerEntry)).first()
        assert entry is not None
        entry.halves = 100
        with pytest.raises(PermissionError):
            s.flush()
    for sql in ("UPDATE ledger_entries SET halves = 100", "DELETE FROM ledger_entries"):
        with database.session() as s, pytest.raises(DBAPIError):
            s.execute(text(sql))
    with database.session() as s:
        assert sorted(e.halves for e in s.exec(select(LedgerEntry))) == [2, 2]


def test_boards_rank_by_hours_served(database: Database) -> None:
    _seed(database)
    with database.session() as s:
        bob = open_account(s, "c1", "bob", "bob")
        post(s, bob, _credit(3, T0.replace(month=10)))  # last month: all-time only
        alice = open_account(s, "c1", "alice", "alice")
        post(s, alice, Movement("debit", -2, "兑换", "alice", "alice", T0))  # spending is no rank
        s.commit()
        assert [(r.name, r.halves) for r in board_all_time(s, "c1")] == [("bob", 5), ("alice", 2)]
        month = board_between(s, "c1", T0.replace(day=1, hour=0), T0.replace(month=12, day=1))
        assert [(r.name, r.halves) for r in month] == [("alice", 2), ("bob", 2)]
