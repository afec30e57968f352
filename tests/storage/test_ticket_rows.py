"""``storage.ticket_rows``: tickets read as plain rows, and bulk writes that keep objects true."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from storage import ticket_rows
from storage.db import Database
from storage.models import Ticket
from tests.support.db import T0, seed_community, ticket


def _add(database: Database, n: int, **fields: object) -> list[int]:
    with database.session() as s:
        rows = [ticket(f"r{i}", **fields) for i in range(n)]  # type: ignore[arg-type]
        s.add_all(rows)
        s.commit()
        return [t.id for t in rows if t.id is not None]


def test_rows_read_the_columns_without_objects(database: Database) -> None:
    seed_community(database)
    a, b = _add(database, 2, due_at=T0 + timedelta(days=2), assignee_id="wx-zhang")
    with database.session() as s:
        rows = ticket_rows.ticket_rows(s, [a, b, 999])
        assert set(rows) == {a, b}  # a number that does not exist is left out
        assert not s.identity_map
        row = rows[a]
        assert (row.id, row.klass, row.state) == (a, "small", "reported")
        assert row.assignee_id == "wx-zhang"
        assert row.due_at == T0 + timedelta(days=2) and row.created_at == T0
        assert row.due_at.tzinfo is not None  # aware, as the ORM reads it
        assert ticket_rows.ticket_rows(s, []) == {}


def test_bulk_writes_reach_the_database_and_the_objects_held(database: Database) -> None:
    seed_community(database)
    a, b = _add(database, 2)
    fresh = (T0 + timedelta(days=3)).astimezone(ZoneInfo("Asia/Shanghai"))  # stored as UTC
    with database.session() as s:
        held = s.get(Ticket, a)
        assert held is not None
        ticket_rows.set_alerts(s, {a: 2, b: 5})
        ticket_rows.set_due_at(s, {b: fresh})
        assert held.alerts == 2 and not s.dirty  # in step, nothing left to flush
        rows = ticket_rows.ticket_rows(s, [a, b])
        s.commit()
    assert (rows[a].alerts, rows[b].alerts, rows[b].due_at, rows[a].due_at) == (2, 5, fresh, None)
    with database.session() as s:
        again = ticket_rows.ticket_rows(s, [a, b])
    assert again == rows
