"""The intake benchmark's baseline inserts exactly the rows each message wrote, one
transaction per message, and the insert trigger keeps the search index as for the bot."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bench import intake_raw
from storage.db import Database

_TICKET = (
    "INSERT INTO tickets (community_code, grid, room_id, reporter_id, reporter_name, text, "
    "klass, category, route, location, responsible, cues, state, filed_on_request, created_at, "
    "updated_at, source_msg_id, search_text, plus_ones, resolution, alerts) VALUES ('c1', "
    "'1网格', 'room', 'wx-1', '居民', ?, 'small', 'facility', 'online', '', 'property', '', "
    "'reported', 0, '2026-11-26 01:00:00.000000', '2026-11-26 01:00:00.000000', ?, ?, 0, '', 0)"
)
_EVENT = (
    "INSERT INTO ticket_events (ticket_id, at, actor_id, actor_name, kind, note) "
    "VALUES (?, '2026-11-26 01:00:00.000000', 'wx-1', '居民', 'reported', '')"
)


def _migrated(path: Path) -> Path:
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    db.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO communities (code, name, district) VALUES ('c1', '一', '')")
    return path


def _dump(path: Path) -> tuple[list[tuple[object, ...]], ...]:
    with sqlite3.connect(path) as conn:
        return (
            conn.execute("SELECT * FROM tickets ORDER BY id").fetchall(),
            conn.execute("SELECT * FROM ticket_events ORDER BY id").fetchall(),
            conn.execute(
                "SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH '路灯' ORDER BY rowid"
            ).fetchall(),
        )


def test_the_baseline_writes_the_same_rows_per_message(tmp_path: Path) -> None:
    bot = _migrated(tmp_path / "bot.db")
    conn = sqlite3.connect(bot, isolation_level=None)

    def report(i: int, text: str) -> None:
        ticket = conn.execute(_TICKET, (text, f"m{i}", text)).lastrowid
        conn.execute(_EVENT, (ticket,))

    messages = [
        lambda: report(1, "路灯 坏了"),
        lambda: None,  # chatter: writes nothing
        lambda: report(3, "漏水 楼道"),
        lambda: report(4, "路灯 不亮"),
    ]
    writes, _ = intake_raw.record(bot, messages)
    conn.close()
    assert [sum(len(rows) for _, rows in w) for w in writes] == [2, 0, 2, 2]
    assert [sql.split('"')[1] for sql, _ in writes[0]] == ["tickets", "ticket_events"]
    raw = _migrated(tmp_path / "raw.db")
    assert intake_raw.insert(raw, writes) > 0
    assert _dump(raw) == _dump(bot)
    assert [r[0] for r in _dump(raw)[2]] == [1, 3]  # the search index, kept by the trigger
