"""List pages on SQLite walk an index newest first and stop at LIMIT: no sort of a community.

SQLite has no statistics unless ANALYZE runs (the bot never runs it), so these plans are the
ones every installation gets. A plan that sorts ("USE TEMP B-TREE FOR ORDER BY") reads every
ticket of the community for each page: tens of milliseconds at 100,000 tickets.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from bot.web.dashboard_query import ListFilters, conditions, list_page
from bot.web.reads import Reader
from storage.db import Database
from tests.support.db import seed_community

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CASES: dict[str, tuple[ListFilters, str]] = {
    "first page": (ListFilters(community="c1"), "ix_tickets_community_id_filters"),
    "grid and category, page 2": (
        ListFilters(community="c1", grid="1网格", category="facility", page=2),
        "ix_tickets_community_id_filters",
    ),
    "class and state": (
        ListFilters(community="c1", klass="urgent", state="reported"),
        "ix_tickets_community_state_filters",
    ),
    "overdue": (ListFilters(community="c1", overdue=True), "ix_tickets_community_id_filters"),
    "search with a state": (
        ListFilters(community="c1", q="路灯", state="in_progress"),
        "VIRTUAL TABLE",
    ),
    "district user, everything": (ListFilters(), "SCAN tickets"),
}


def plan(db: Database, filters: ListFilters, scope: list[str] | None) -> list[str]:
    """The EXPLAIN QUERY PLAN lines of the list page query of ``filters``."""
    reader = Reader(db)
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, sql: str, params: Any, *args: Any) -> None:
        seen.append((sql, params))

    event.listen(reader.engine, "before_cursor_execute", capture)
    try:
        query = conditions(filters, scope, NOW, "sqlite", str.split)
        with reader.session() as session:
            list_page(session, query, filters.page)
        sql, params = next((s, p) for s, p in seen if "FROM" in s and "tickets" in s)
        with reader.engine.connect() as conn:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()
    finally:
        reader.dispose()
    return [str(row[3]) for row in rows]


@pytest.mark.parametrize("case", list(CASES))
def test_list_pages_never_sort_a_whole_community(sqlite_database: Database, case: str) -> None:
    seed_community(sqlite_database)
    filters, expected = CASES[case]
    scope = None if case.startswith("district") else ["c1"]
    lines = plan(sqlite_database, filters, scope)
    assert not any("TEMP B-TREE" in line for line in lines), lines
    assert any(expected in line for line in lines), lines
    # Every deadline ever passed is no way to find the few open tickets that are late.
    assert not any("ix_tickets_community_due" in line for line in lines), lines
