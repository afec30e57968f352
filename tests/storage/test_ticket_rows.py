"""``storage.ticket_rows``: tickets read as plain rows, and bulk writes that keep objects true."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event

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


def test_shared_rows_read_each_ticket_once_and_follow_the_bulk_writes(
    database: Database,
) -> None:
    seed_community(database)
    a, b = _add(database, 2)
    fresh = T0 + timedelta(days=4)
    with database.session() as s, ticket_rows.shared_rows(s):
        first = ticket_rows.ticket_rows(s, [a])
        statements: list[str] = []
        with _counting(database, statements):
            again = ticket_rows.ticket_rows(s, [a])
        assert again[a] is first[a] and statements == []  # handed out again, no query
        both = ticket_rows.ticket_rows(s, [a, b])  # only the one not read yet is read
        assert set(both) == {a, b}
        ticket_rows.set_alerts(s, {a: 3})
        ticket_rows.set_due_at(s, {b: fresh})
        after = ticket_rows.ticket_rows(s, [a, b])
        assert (after[a].alerts, after[b].due_at, after[b].alerts) == (3, fresh, 0)
        assert after[a]._replace(alerts=0) == first[a]  # nothing else changed


def test_shared_rows_read_a_ticket_changed_through_its_object_afresh(database: Database) -> None:
    seed_community(database)
    (a,) = _add(database, 1)
    with database.session() as s, ticket_rows.shared_rows(s):
        assert ticket_rows.ticket_rows(s, [a])[a].state == "reported"
        held = s.get(Ticket, a)
        assert held is not None
        held.state = "accepted"  # the unit of work writes it: the shared row is stale
        assert ticket_rows.ticket_rows(s, [a])[a].state == "accepted"
    with database.session() as s:  # outside it, nothing is shared
        first = ticket_rows.ticket_rows(s, [a])
        assert ticket_rows.ticket_rows(s, [a])[a] is not first[a]


@contextmanager
def _counting(database: Database, statements: list[str]) -> Iterator[None]:
    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        yield
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
