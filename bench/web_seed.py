"""The web benchmark's database: 100,000 tickets of the search benchmark's seeded generator
(``bench.ticket_corpus``) in a fresh SQLite file of the demo config's two communities."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from bench.ticket_corpus import corpus_rows, load_tickets, tokenized_parts
from bot.config import Settings, load_settings
from handlers.understanding import Understanding

N_TICKETS = 100_000
CONFIG = Path(__file__).resolve().parents[1] / "config.example.toml"
_CODES = {"bench-a": "maotang", "bench-b": "guihua"}  # generator community → demo community
_GRIDS = ("1网格", "2网格", "3网格")
_INSERT = (
    "INSERT INTO tickets (community_code, grid, room_id, reporter_id, reporter_name, text, "
    "klass, category, route, location, responsible, cues, state, filed_on_request, created_at, "
    "updated_at, source_msg_id, search_text, due_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def settings_for(path: Path) -> Settings:
    """The demo config on the SQLite file at ``path``."""
    return load_settings(CONFIG, env={"LIUFANG_DATABASE_URL": f"sqlite:///{path}"})


def seed(path: Path, n: int = N_TICKETS) -> float:
    """Create the database at ``path`` with ``n`` tickets; the seconds it took."""
    from bot.app import open_database

    start = time.perf_counter()
    open_database(settings_for(path)).dispose()  # schema and the demo communities
    tokens = tokenized_parts(Understanding.load())

    def rows() -> Iterator[tuple[object, ...]]:
        for i, row in enumerate(corpus_rows(tokens, n)):
            code = _CODES[str(row[0])]
            created = datetime.fromisoformat(str(row[14]))
            due = f"{created + timedelta(days=3):%Y-%m-%d %H:%M:%S}.000000"
            grid = _GRIDS[i % 3] if code == "maotang" else _GRIDS[i % 2]
            yield (code, grid, f"room-{code}-g{i % 3}", *row[3:], due)

    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        load_tickets(conn, _INSERT, rows(), 20_000)
    finally:
        conn.close()
    return time.perf_counter() - start
