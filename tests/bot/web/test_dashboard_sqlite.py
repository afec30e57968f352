"""The list page read straight through the SQLite driver gives SQLAlchemy's rows, every shape."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, timedelta
from typing import Any

import pytest

from bot.config_web import WebUser
from bot.web.dashboard_filters import ListFilters
from bot.web.dashboard_query import PAGE_SIZE, conditions, list_page
from bot.web.dashboard_sqlite import PageRow, compiled, page_rows
from bot.web.reads import Reader, bounded, driver
from storage.db import Database
from storage.models import Ticket, TicketEvent
from storage.search import search_text_of
from tests.support.db import T0, community, ticket

WORDS = ["路灯", "漏水", "电梯", "垃圾", "噪音"]
CODES = ["c1", "c2"]
NOW = T0 + timedelta(days=40)


def _seed(db: Database, n: int = 150) -> None:
    """Tickets of two communities with every column varied, NULLs and late events included."""
    rng = random.Random(15)
    with db.session() as session:
        session.add_all([community("c1"), community("c2", "第二社区")])
        session.flush()
        tickets = []
        for i in range(n):
            words = rng.sample(WORDS, rng.randint(1, 2))
            at = T0 + timedelta(hours=7 * i, microseconds=rng.randint(0, 999_999))
            tickets.append(
                ticket(
                    f"m{i}",
                    at=at,
                    community_code=rng.choice(CODES),
                    grid=rng.choice(["一网格", "二网格", None]),
                    klass=rng.choice(["small", "urgent", "difficult"]),
                    category=rng.choice(["facility", "sanitation", "noise"]),
                    state=rng.choice(["reported", "accepted", "in_progress", "closed"]),
                    text=f"{i}号楼{''.join(words)}<b>&",
                    search_text=search_text_of(words),
                    plus_ones=rng.choice([0, 0, 2]),
                    due_at=rng.choice([None, at + timedelta(days=rng.randint(1, 60))]),
                    assignee_id=rng.choice([None, "w1"]),
                    acknowledged_at=rng.choice([None, at + timedelta(minutes=5)]),
                )
            )
        session.add_all(tickets)
        session.flush()
        for t in tickets[::7]:
            session.add(
                TicketEvent(
                    ticket_id=t.id or 0, at=NOW, actor_id="liufang", actor_name="bot", kind="late"
                )
            )
        session.commit()


QUERIES: list[dict[str, str]] = [
    {},
    {"grid": "二网格"},
    {"klass": "urgent", "state": "reported"},
    {"category": "noise", "grid": "一网格"},
    {"overdue": "1"},
    {"overdue": "1", "klass": "small"},
    {"q": "路灯"},
    {"q": "漏水 电梯"},
    {"q": "垃圾", "state": "in_progress", "overdue": "1"},
    {"community": "c2", "q": "噪音"},
    {"community": "c1"},
    {"state": "closed", "category": "facility", "klass": "difficult", "grid": "二网格"},
]
USERS = {
    "community": (WebUser("u", "x", "u", "secretary", "c1"), CODES[:1]),
    "district": (WebUser("d", "x", "d", "committee", "*"), None),
    "scoped": (WebUser("d", "x", "d", "committee", "*"), CODES),  # IN (…) of two codes
    "nowhere": (WebUser("d", "x", "d", "committee", "*"), []),  # IN () matches nothing
}


@pytest.fixture
def reader(sqlite_database: Database) -> Any:
    _seed(sqlite_database)
    reader = Reader(sqlite_database)
    yield reader
    reader.dispose()


@pytest.mark.parametrize("user", list(USERS))
@pytest.mark.parametrize("qs", QUERIES, ids=lambda qs: "&".join(f"{k}={v}" for k, v in qs.items()))
def test_the_driver_rows_are_sqlalchemy_rows(
    reader: Reader, user: str, qs: dict[str, str]
) -> None:
    who, codes = USERS[user]
    filters = ListFilters.parse(qs, who, codes if codes is not None else CODES)
    query = conditions(filters, codes, NOW, "sqlite", str.split)
    dialect = reader.engine.dialect
    seen = 0
    for page in itertools.count(1):
        with reader.session() as session:
            expected, more = list_page(session, query, page)
        got, got_more = bounded(reader, lambda c, p=page: page_rows(driver(c), dialect, query, p))
        assert [tuple(r) for r in got] == [tuple(r) for r in expected]
        assert got_more == more
        for mine, theirs in zip(got, expected, strict=True):
            assert isinstance(mine, PageRow)
            assert hash(mine) == hash(theirs)  # the line cache's key is the same either way
            assert mine.created_at.tzinfo is UTC and theirs.created_at.tzinfo is UTC
        seen += len(got)
        if not more:
            break
    if user != "nowhere" and not qs.get("q"):
        assert seen > PAGE_SIZE or qs  # the plain lists span pages


def test_every_parameter_is_bound_and_processed(reader: Reader) -> None:
    """The overdue filter's ``now`` goes to SQLite as SQLAlchemy writes datetimes, and its
    fixed values (the open states, the event kind) in their places."""
    who, codes = USERS["community"]
    query = conditions(
        ListFilters.parse({"overdue": "1"}, who, ["c1"]), codes, NOW, "sqlite", str.split
    )
    assert query is not None
    sql = compiled(query.shape, reader.engine.dialect)
    values = sql.parameters({**query.params, "offset": 0, "limit": 31})
    stamp = NOW.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    open_states = ["accepted", "in_progress", "reopened", "reported"]
    assert values == ["c1", *open_states, stamp, "late", 31, 0]


def test_a_changed_ticket_is_read_anew(reader: Reader, sqlite_database: Database) -> None:
    """Rows are remembered by every column the driver gave: a write is a new row."""
    who, codes = USERS["community"]
    query = conditions(ListFilters.parse({}, who, ["c1"]), codes, NOW, "sqlite", str.split)
    dialect = reader.engine.dialect

    def first() -> PageRow:
        rows, _ = bounded(reader, lambda c: page_rows(driver(c), dialect, query, 1))
        assert isinstance(rows[0], PageRow)
        return rows[0]

    before = first()
    assert first() is before  # remembered
    with sqlite_database.session() as session:
        t = session.get(Ticket, before.id)
        assert t is not None
        t.state, t.due_at, t.plus_ones = "resolved", NOW + timedelta(seconds=1), 7
        session.commit()
    after = first()
    assert after.id == before.id and after is not before
    assert (after.state, after.due_at, after.plus_ones) == (
        "resolved",
        NOW + timedelta(seconds=1),
        7,
    )
    with reader.session() as session:
        assert tuple(list_page(session, query, 1)[0][0]) == tuple(after)
