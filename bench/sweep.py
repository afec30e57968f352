"""Follow-up sweep benchmark: one sweep over 100,000 open tickets with 5,000 follow-ups due.

The database is built through the real migrations and filled with raw SQL (fast); each
ticket's follow-ups are exactly what the planner would schedule for it. The due ones are a mix
of first-response reminders, overdue notices and urgent re-alerts. ONE engine sweep with the
real kinds and planner is timed, and every SQL statement it sends is counted with a
``before_cursor_execute`` listener (an executemany counts once). The same is done with 500 due,
to show the count does not grow with the number of due tickets.

The baseline, on a copy of the same database: plain SQL that reads the due follow-ups with
their tickets and writes their outcomes (each marked done, one outbox message each) in one
transaction, the least any sweep must do.

Figures: ``sweep_s`` and ``sweep_raw_s`` (target: ratio ≤ 3), ``sweep_statements`` for 5,000
due; the same with ``_500_due`` for 500 due.
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import event

from bot.app import build_engine, freeze_startup_heap
from bot.config import load_settings
from bot.directory import start_directory
from handlers.context import Services
from handlers.followups.planner import plan
from handlers.understanding.types import Classification
from storage.db import Database
from storage.models import Ticket

REPO = Path(__file__).resolve().parents[1]
N_TICKETS = 100_000
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 14, 0, tzinfo=TZ)  # a Thursday afternoon
GRIDS = {"maotang": ("1网格", "2网格", "3网格"), "guihua": ("1网格", "2网格")}
ROOMS = {"maotang": "room-maotang-g{}", "guihua": "room-guihua-g{}"}


class _NoNlp:
    """The sweep never classifies; Services wants something in the slot."""

    def classify(self, text: str) -> Classification:
        """Never called by the sweep."""
        raise NotImplementedError

    def tokenize(self, text: str) -> list[str]:
        """Never called by the sweep."""
        raise NotImplementedError

    def emergency(self, text: str) -> None:
        """Never called by the sweep."""
        raise NotImplementedError


# Ticket shapes: (klass, created, due_at, claimed, which of its planned follow-ups is due now).
_FUTURE = ("small", NOW - timedelta(hours=1), datetime(2026, 12, 1, 18, tzinfo=TZ), False, None)
_YESTERDAY, _MONDAY = datetime(2026, 11, 25, 9, tzinfo=TZ), datetime(2026, 11, 23, 9, tzinfo=TZ)
_DUE_SHAPES = (
    # Filed yesterday morning, still unclaimed: the first-response reminder (18:00 − 4 h).
    ("small", _YESTERDAY, datetime(2026, 11, 30, 18, tzinfo=TZ), False, "remind"),
    # Claimed, deadline passed an hour ago: the overdue notice.
    ("small", _MONDAY, NOW - timedelta(hours=1), True, "overdue"),
    # Urgent, filed 15 minutes ago, nobody has answered 到场: the first re-alert.
    ("urgent", NOW - timedelta(minutes=15), NOW + timedelta(hours=23.75), False, "realert"),
)


def _sql_time(dt: datetime) -> str:
    """How SQLAlchemy stores a UtcDateTime on SQLite: naive UTC text with microseconds."""
    return f"{dt.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}"


def _rows(due: int, policy: Any) -> Iterator[tuple[tuple[Any, ...], list[tuple[str, str]]]]:
    """Each ticket row with its follow-ups (kind, due_at); ``due`` of them due now."""
    planned: dict[tuple[Any, ...], list[tuple[str, str]]] = {}
    for shape in (_FUTURE, *_DUE_SHAPES):
        klass, created, due_at, claimed, due_kind = shape
        ticket = SimpleNamespace(
            state="accepted" if claimed else "reported",
            klass=klass,
            created_at=created,
            due_at=due_at,
            assignee_id="wx-mt-zhang" if claimed else None,
            acknowledged_at=None,
            answered_at=None,
            alerts=0,
            resolved_at=None,
            visit_asked_at=None,
        )
        keep = []
        for p in plan(cast(Ticket, ticket), policy, TZ):
            if p.due_at > NOW or p.kind == due_kind:  # past ones have run already
                keep.append((p.kind, _sql_time(p.due_at)))
        assert sum(1 for p in keep if p[1] <= _sql_time(NOW)) == (1 if due_kind else 0)
        planned[shape] = keep
    for i in range(N_TICKETS):
        shape = _DUE_SHAPES[i % len(_DUE_SHAPES)] if i < due else _FUTURE
        klass, created, due_at, claimed, _ = shape
        code = "maotang" if i % 3 else "guihua"
        grid_no = 1 + i % len(GRIDS[code])
        at = _sql_time(created)
        route = "onsite" if klass == "urgent" else "online"
        ticket = (
            code, f"{grid_no}网格", ROOMS[code].format(grid_no), "wx-resident", "居民",
            f"{i}号楼门口的路灯坏了", klass, "facility", route, f"{i}号楼门口", "property", "",
            "accepted" if claimed else "reported", 0, at, at, _sql_time(due_at),
            f"bench-sweep:{i}", "wx-mt-zhang" if claimed else None,
            "张经理" if claimed else None, 0, "", "", 0,
        )  # fmt: skip
        yield ticket, planned[shape]


_TICKET_SQL = (
    "INSERT INTO tickets (community_code, grid, room_id, reporter_id, reporter_name, text, "
    "klass, category, route, location, responsible, cues, state, filed_on_request, created_at, "
    "updated_at, due_at, source_msg_id, assignee_id, assignee_name, plus_ones, search_text, "
    "resolution, alerts, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "?, ?, ?, ?, ?, ?)"
)
_FOLLOWUP_SQL = (
    "INSERT INTO followups (kind, community_code, ticket_id, due_at, created_at, outcome) "
    "VALUES (?, ?, ?, ?, ?, '')"
)


def build(path: Path, due: int) -> tuple[Database, Services]:
    """A migrated SQLite database at ``path`` with the demo directory and the tickets."""
    settings = load_settings(
        REPO / "config.example.toml", env={"LIUFANG_DATABASE_URL": f"sqlite:///{path}"}
    )
    db = Database(settings.database_url)
    db.upgrade()
    with db.session() as session:
        start_directory(session, settings, NOW)
        session.commit()
    services = Services(clock=lambda: NOW, nlp=_NoNlp(), policy=settings.policy)
    tickets, follow = [], []
    created = _sql_time(NOW - timedelta(days=1))
    for ticket_id, (row, planned) in enumerate(_rows(due, settings.policy), start=1):
        tickets.append((*row, ticket_id))
        follow.extend((kind, row[0], ticket_id, at, created) for kind, at in planned)
    with sqlite3.connect(path) as conn:
        conn.executemany(_TICKET_SQL, tickets)
        conn.executemany(_FOLLOWUP_SQL, follow)
    return db, services


_DUE_SQL = (
    "SELECT f.id, f.kind, t.id, t.community_code, t.room_id, t.text, t.location, t.klass, "
    "t.assignee_id, t.reporter_id FROM followups f JOIN tickets t ON t.id = f.ticket_id "
    "WHERE f.done_at IS NULL AND f.due_at <= ? ORDER BY f.due_at, f.id LIMIT 10000"
)
_OUTBOX_SQL = (
    "INSERT INTO outbox (room_id, to_id, text, mention_ids, created_at, not_before, attempts, "
    "kind, urgent, sent_chars, claim_epoch) VALUES (?, NULL, ?, ?, ?, ?, 0, 'followup', ?, 0, 0)"
)


def raw_sweep(path: Path) -> float:
    """Seconds of the baseline: plain SQL reading the due follow-ups with their tickets and
    writing their outcomes (each marked done, one outbox message each), one transaction."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        now = _sql_time(NOW)
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        due = conn.execute(_DUE_SQL, (now,)).fetchall()
        conn.executemany(
            "UPDATE followups SET done_at = ?, outcome = 'sent' WHERE id = ?",
            [(now, row[0]) for row in due],
        )
        conn.executemany(
            _OUTBOX_SQL,
            [
                (room, f"【T{tid} {kind}】{text}（{where}）", who or reporter, now, now,
                 klass == "urgent")
                for _, kind, tid, _, room, text, where, klass, who, reporter in due
            ],
        )  # fmt: skip
        conn.execute("COMMIT")
        seconds = time.perf_counter() - start
    finally:
        conn.close()
    assert len(due) > 0
    return seconds


def one_sweep(due: int) -> tuple[float, int, int, float]:
    """(seconds, SQL statements, follow-ups run, seconds of the raw-SQL baseline) of one sweep
    with ``due`` follow-ups due; the baseline runs on a copy of the same database."""
    with tempfile.TemporaryDirectory() as tmp:
        db, services = build(Path(tmp) / "sweep.db", due)
        src, dst = sqlite3.connect(Path(tmp) / "sweep.db"), sqlite3.connect(Path(tmp) / "raw.db")
        src.backup(dst)  # the baseline's copy, in the same state
        src.close()
        dst.close()
        engine = build_engine(db, services)
        statements: list[str] = []

        def count(*args: Any) -> None:
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        # As App.start does before its sweeps: what start-up (and the earlier groups of this
        # process, which a bot never carries) left is exempt from collection, so a full
        # collection over it cannot land inside the timed sweep by chance.
        freeze_startup_heap()
        start = time.perf_counter()
        ran = engine.sweep()
        seconds = time.perf_counter() - start
        db.dispose()
        raw = raw_sweep(Path(tmp) / "raw.db")
    return seconds, len(statements), ran, raw


def sweep_bench() -> dict[str, float]:
    """One sweep over 100,000 open tickets, 5,000 due (and 500 due, for the query count),
    each against plain SQL doing the same reads and writes on a copy of the same database."""
    # The 500 run goes first: the first sweep in a process also compiles its SQL statements
    # (SQLAlchemy caches them), which a running bot has long done by its thousandth sweep.
    seconds_500, statements_500, ran_500, raw_500 = one_sweep(500)
    seconds, statements, ran, raw = one_sweep(5_000)
    assert ran == 5_000 and ran_500 == 500, (ran, ran_500)
    return {
        "sweep_s": seconds,
        "sweep_raw_s": raw,
        "sweep_statements": statements,
        "sweep_500_due_s": seconds_500,
        "sweep_500_due_raw_s": raw_500,
        "sweep_500_due_statements": statements_500,
    }


if __name__ == "__main__":
    for key, value in sweep_bench().items():
        print(f"{key:28} {value:12.3f}")
