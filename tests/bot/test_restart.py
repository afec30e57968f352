"""A real bot process killed with SIGKILL while messages are pending, then restarted.

The child is ``python -m bot chat`` on a temporary SQLite file, stdin a pipe kept open, stdout
a file. Before it starts, the database holds undelivered outbox rows — replies (one private),
an urgent follow-up, non-urgent follow-ups, a long reply whose first part went out before an
earlier crash — and a ticket reported through the real dispatcher a week ago, so its follow-ups
(the overdue notice) are due. Run 1 is inside the quiet hours: it sends what may go, runs the
sweep and the digests, and keeps the non-urgent follow-ups pending; it is killed (SIGKILL)
while they are, once it is idle. Run 2 comes after the quiet hours and sends the rest,
follow-ups coalesced per room. Across both runs every outbox row appears exactly once, and the
part sent before the first crash never again.

The kill is timed for an idle process on purpose: a kill between the channel accepting a part
and the commit that marks it is the one documented window for a double send (bot/delivery).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select, update

from bot.assembly import build_dispatcher, open_database
from bot.channels.console import ConsoleChannel
from bot.config import Settings, load_settings
from bot.delivery.split import next_part, split_text, units
from handlers.events import Inbound
from handlers.workdays import ExtraDays, use_extra_days
from storage import outbox
from storage.db import Database
from storage.models import FollowUp, OutboxMessage
from tests.support.harness import EXAMPLE_CONFIG, REPO, SHANGHAI, shared_nlp

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "SIGKILL"), reason="the platform has no SIGKILL to crash the bot with"
)
SIX, GRID = "room-maotang-6p", "room-maotang-g1"
LIMIT = 1500  # the example config's max_message_chars
LONG = "\n".join(
    f"长消息第{i:02d}段：" + "居民反映的情况已经转交物业处理。" * 4 for i in range(22)
)
TIMEOUT = 30.0  # a bound for a failure only: a loaded machine starts the bot in 10 s
WEEK_DAYS = 7  # the ticket was reported this many days before the runs
ROWS: list[tuple[str | None, str | None, str, str, bool, tuple[str, ...]]] = [
    (SIX, None, "回复一：已登记为 T1", "reply", False, ("wx-mt-liu",)),
    (GRID, None, "回复二：已登记为 T2", "reply", False, ()),
    (None, "wx-mt-sun", "私聊回复：您的工单 T3 已受理", "reply", False, ()),
    (GRID, None, "急事提醒：T4 燃气味，请立即到场", "followup", True, ("wx-mt-li",)),
    (SIX, None, "催办：T5 路灯今天到期", "followup", False, ("wx-mt-zhang",)),
    (SIX, None, "超期：T6 垃圾清运", "followup", False, ("wx-mt-wang",)),
    (GRID, None, "回访：T7 请评价", "followup", False, ()),
]


@dataclass(frozen=True, slots=True)
class Seeded:
    """What the test put in the database before the first start."""

    long_id: int  # the long reply whose first part went out before an earlier crash
    offset: int  # where its second part starts
    last_id: int  # the last outbox row written before the bot started
    planned: bool  # the report planned follow-ups (the follow-up planner is wired)


@dataclass(frozen=True, slots=True)
class Runs:
    """What the two runs printed, and the outbox at the end."""

    first: str
    second: str
    rows: list[OutboxMessage]
    seeded: Seeded


def _every_day_works(now: datetime) -> str:
    """A ``[calendar]`` line making each day around ``now`` a working day.

    The child runs on the real clock, so the real date would decide whether the report of a
    week ago is overdue yet (a holiday week has no working days): with every day of the span
    declared a working day, it is overdue by five working days whatever today is.
    """
    start = now.date() - timedelta(days=WEEK_DAYS + 3)
    days = [start + timedelta(days=i) for i in range(WEEK_DAYS + 6)]
    return "workdays = [" + ", ".join(f'"{d.isoformat()}"' for d in days) + "]"


def _config(tmp: Path, name: str, quiet_from: datetime, now: datetime) -> Path:
    """The example config: quiet hours from ``quiet_from`` for three hours, every day working."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    for old, new in (
        ('start = "22:00"', f'start = "{quiet_from:%H:%M}"'),
        ('end = "07:30"', f'end = "{quiet_from + timedelta(hours=3):%H:%M}"'),
        ("workdays = []", _every_day_works(now)),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def _seed(db: Database, settings: Settings, now: datetime) -> Seeded:
    """Queue the rows and report a ticket a week ago."""
    with db.session() as session:
        for room, to, text, kind, urgent, mentions in ROWS:
            outbox.enqueue(
                session,
                **{"room_id": room, "to_id": to, "text": text, "mention_ids": mentions},
                now=now,
                kind=kind,
                urgent=urgent,
            )
        long = outbox.enqueue(session, room_id=SIX, to_id=None, text=LONG, mention_ids=(), now=now)
        assert long.id is not None and units(LONG) > LIMIT
        # An earlier run crashed after the first part of the long reply went out.
        offset = next_part(LONG, 0, LIMIT)[1]
        outbox.mark_progress(session, long.id, offset)
        session.commit()
        long_id = long.id
    # A real report a week ago: the ticket, its replies and its follow-ups, all written by the
    # dispatcher; its deadline passed days ago, so the overdue notice is due.
    week_ago = now - timedelta(days=WEEK_DAYS)
    clock = lambda: week_ago  # noqa: E731
    dispatcher = build_dispatcher(settings, db, clock, shared_nlp())
    event = ConsoleChannel(settings, clock).parse(
        "[毛塘路1网格] 刘阿姨: 3栋2单元门口的路灯坏了，晚上很黑"
    )
    assert isinstance(event, Inbound)
    assert dispatcher.process_sync(event)
    with db.session() as session:
        planned = bool(session.exec(select(FollowUp)).first())
    return Seeded(long_id, offset, max(r.id or 0 for r in _rows(db)), planned)


def _start(config: Path, db_url: str, out: Path) -> subprocess.Popen[bytes]:
    """Start ``python -m bot chat`` with stdin a pipe kept open and stdout to ``out``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WECHATY_")}
    env["LIUFANG_DATABASE_URL"] = db_url
    with out.open("ab") as stdout:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "chat", "--config", str(config)],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=stdout,
            stderr=subprocess.DEVNULL,
        )


def _wait(condition: Callable[[], bool], what: str, child: subprocess.Popen[bytes]) -> None:
    """Poll until ``condition`` has held for a quarter of a second (the child is idle)."""
    deadline = time.monotonic() + TIMEOUT
    held_since: float | None = None
    while held_since is None or time.monotonic() - held_since < 0.25:
        if child.poll() is not None:
            raise AssertionError(f"the bot exited ({child.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        # The condition must hold on consecutive polls: a single glimpse may be mid-run.
        held_since = (held_since or time.monotonic()) if condition() else None
        time.sleep(0.05)


def _rows(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))


def _followups_open(db: Database, now: datetime) -> int:
    with db.session() as session:
        stmt = select(FollowUp).where(col(FollowUp.done_at).is_(None), FollowUp.due_at <= now)
        return len(session.exec(stmt).all())


def _quiet_only(db: Database, now: datetime) -> bool:
    """True when the due follow-ups ran and only deferred non-urgent follow-ups are left."""
    pending = [r for r in _rows(db) if r.delivered_at is None]
    return _followups_open(db, now) == 0 and all(
        r.kind == "followup" and not r.urgent and r.not_before > now for r in pending
    )


def _expected(rows: list[OutboxMessage], seeded: Seeded) -> Counter[str]:
    """What must appear exactly once per row: the text, or each part still to send."""
    want: Counter[str] = Counter()
    for row in rows:
        start = seeded.offset if row.id == seeded.long_id else 0
        want.update(split_text(row.text, LIMIT, start) if units(row.text) > LIMIT else [row.text])
    return want


def _run_both(tmp: Path, now: datetime) -> Runs:
    """Seed, run in the quiet hours, SIGKILL, run after them; what each run printed."""
    db_url = f"sqlite:///{tmp / 'bot.db'}"
    night = _config(tmp, "night.toml", now - timedelta(hours=1), now)
    day = _config(tmp, "day.toml", now + timedelta(hours=3), now)
    settings = load_settings(night, env={"LIUFANG_DATABASE_URL": db_url})
    db = open_database(settings)
    try:
        seeded = _seed(db, settings, now)
        child = _start(night, db_url, tmp / "run1.out")
        try:
            _wait(lambda: _quiet_only(db, now), "run 1 to send what may go", child)
            assert any(r.delivered_at is None for r in _rows(db))  # killed with rows pending
            child.send_signal(signal.SIGKILL)
            assert child.wait(TIMEOUT) == -signal.SIGKILL
        finally:
            child.kill()
        with db.session() as session:  # the night is over: what it held back is due now
            stmt = update(OutboxMessage).where(col(OutboxMessage.delivered_at).is_(None))
            session.exec(stmt.values(not_before=now))
            session.commit()
        child = _start(day, db_url, tmp / "run2.out")
        try:
            _wait(lambda: all(r.delivered_at for r in _rows(db)), "run 2 to send all", child)
            assert child.stdin is not None
            child.stdin.close()  # end of input: the bot stops by itself
            assert child.wait(TIMEOUT) == 0
        finally:
            child.kill()
        rows = _rows(db)
    finally:
        db.dispose()
        use_extra_days(ExtraDays())  # seeding set this process's calendar: put it back
    read = lambda name: (tmp / name).read_text(encoding="utf-8")  # noqa: E731
    return Runs(read("run1.out"), read("run2.out"), rows, seeded)


def test_killed_bot_delivers_everything_once_after_restart(tmp_path: Path) -> None:
    runs = _run_both(tmp_path, datetime.now(SHANGHAI))
    first, second, seeded = runs.first, runs.second, runs.seeded
    combined = first + second
    for text, times in _expected(runs.rows, seeded).items():
        assert combined.count(text) == times, (text, combined)
    assert LONG[: seeded.offset - 1] not in combined  # the part sent before the first crash
    assert "@张经理 @王书记 催办：T5 路灯今天到期\n\n超期：T6 垃圾清运" in second  # coalesced
    assert "回访" not in first and "@李网格长 急事提醒" in first  # quiet hours held only those
    assert "回复一" not in second  # nothing of run 1 was sent again
    # What the sweep and the digests wrote after the start: each non-urgent one waited for
    # the morning and then went out once (the counts above).
    assert seeded.planned, "the report planned no follow-ups"
    swept = [r for r in runs.rows if (r.id or 0) > seeded.last_id]
    assert swept, "the due follow-ups sent nothing"
    assert all(r.text not in first for r in swept if not r.urgent)
