"""时间银行 benchmark: the 排行榜 and balance queries at 100,000 ledger entries.

The database is built through the real migrations and filled with raw SQL: 500 volunteers of
one community with 100,000 entries over twelve months (credits, some redemptions and
corrections), the accounts' running totals matching the entries. Each query is run through
the real storage functions, 300 times, and its p95 is reported next to the same-run baseline:
the naive all-time board, one GROUP BY over the whole ledger (what the board would cost
without the accounts' running totals). ``timebank_board_speedup`` is baseline p95 / board p95.

Figures: ``timebank_board_p95_ms`` (all-time), ``timebank_month_p95_ms`` (this month),
``timebank_balance_p95_ms``, ``timebank_audit_p95_ms`` (one account's ledger sum),
``timebank_baseline_p95_ms`` and ``timebank_board_speedup``; the targets are the boards'
speedups over the naive board (bench/targets.py), the other p95s are kept for the record.
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import select

from storage.db import Database
from storage.volunteers.ledger import (
    balance,
    board_all_time,
    board_between,
    ledger_sum,
)
from storage.volunteers.models import LedgerEntry

N_ENTRIES = 100_000
N_PEOPLE = 500
RUNS = 300
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 14, 0, tzinfo=TZ)
MONTH = (datetime(2026, 11, 1, tzinfo=TZ), datetime(2026, 12, 1, tzinfo=TZ))


def _sql_time(dt: datetime) -> str:
    """How SQLAlchemy stores a UtcDateTime on SQLite: naive UTC text with microseconds."""
    return f"{dt.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}"


def _fill(path: Path) -> None:
    """Accounts and entries whose running totals agree, through one raw connection."""
    rng = random.Random(14)
    con = sqlite3.connect(path)
    con.execute("INSERT INTO communities (code, name, district) VALUES ('c1', '一社区', '')")
    con.execute("INSERT INTO communities (code, name, district) VALUES ('c2', '二社区', '')")
    totals = {i: [0, 0] for i in range(1, N_PEOPLE + 1)}
    entries = []
    for n in range(N_ENTRIES):
        person = rng.randint(1, N_PEOPLE)
        at = NOW - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
        roll = rng.random()
        if roll < 0.9 or totals[person][0] < 2:
            kind, halves = "credit", rng.randint(1, 6)
        elif roll < 0.98:
            kind, halves = "debit", -min(totals[person][0], rng.randint(1, 4))
        else:
            kind, halves = "correction", 1
        totals[person][0] += halves
        if kind != "debit":
            totals[person][1] += halves
        entries.append(
            (person, "c1", kind, halves, f"服务 {n}", "wx-sec", "王书记", _sql_time(at))
        )
    con.executemany(
        "INSERT INTO time_accounts (id, community_code, contact_id, name, balance, earned, hidden)"
        " VALUES (?, 'c1', ?, ?, ?, ?, ?)",
        [(i, f"wx-{i}", f"志愿者{i}", b, e, i % 10 == 0) for i, (b, e) in totals.items()],
    )
    con.executemany(
        "INSERT INTO ledger_entries (account_id, community_code, kind, halves, reason, actor_id,"
        " actor_name, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        entries,
    )
    con.commit()
    con.execute("ANALYZE")
    con.close()


def _p95(fn: Callable[[], object], runs: int = RUNS) -> float:
    fn()  # warm the page cache and the statement cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[int(len(times) * 0.95) - 1] * 1000


def timebank_bench() -> dict[str, float]:
    """Build the ledger, then time each query's p95 against the naive board."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "timebank.db"
        db = Database(f"sqlite:///{path}")
        db.upgrade()
        db.dispose()
        _fill(path)
        db = Database(f"sqlite:///{path}")
        rng = random.Random(7)
        try:
            with db.session() as s:
                assert ledger_sum(s, 1) == balance(s, "c1", "wx-1")

                def naive_board() -> object:
                    total = func.sum(LedgerEntry.halves)
                    return s.exec(
                        select(LedgerEntry.account_id, total)
                        .where(LedgerEntry.community_code == "c1", LedgerEntry.kind != "debit")
                        .group_by(LedgerEntry.account_id)
                        .order_by(total.desc())
                        .limit(10)
                    ).all()

                figures = {
                    # Each naive board reads the whole ledger: 40 runs tell its p95 well
                    # enough, and 300 would take minutes on a busy machine.
                    "timebank_baseline_p95_ms": _p95(naive_board, 40),
                    "timebank_board_p95_ms": _p95(lambda: board_all_time(s, "c1")),
                    "timebank_month_p95_ms": _p95(lambda: board_between(s, "c1", *MONTH)),
                    "timebank_balance_p95_ms": _p95(
                        lambda: balance(s, "c1", f"wx-{rng.randint(1, N_PEOPLE)}")
                    ),
                    "timebank_audit_p95_ms": _p95(lambda: ledger_sum(s, rng.randint(1, N_PEOPLE))),
                }
        finally:
            db.dispose()
    figures["timebank_board_speedup"] = (
        figures["timebank_baseline_p95_ms"] / figures["timebank_board_p95_ms"]
    )
    return figures


if __name__ == "__main__":
    for key, value in timebank_bench().items():
        print(f"{key:28} {value:10.3f}")
