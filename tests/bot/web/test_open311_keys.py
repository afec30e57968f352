"""The key query of ``requests.json``: every filter shape finds exactly the matching tickets,
and on SQLite the open requests are read from their partial index."""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from bot.web.open311_format import STATES_BY_STATUS, STATUS_BY_STATE
from bot.web.open311_query import (
    _ROWS,
    RequestQuery,
    load_rows,
    match_keys,
    match_rows,
    member_names,
)
from handlers.vocabulary import OPEN_STATES
from storage.db import Database
from storage.models import Ticket, TicketEvent
from storage.models.tickets import FEED_OPEN_STATES, FEED_OPEN_WHERE
from tests.support.db import T0, seed_community, ticket

STATES = tuple(STATUS_BY_STATE)
CATEGORIES = ("facility", "noise", "utilities", "welfare")


def test_the_open_states_of_the_index_are_the_open_statuses() -> None:
    assert set(FEED_OPEN_STATES) == set(OPEN_STATES) == set(STATES_BY_STATUS["open"])
    assert FEED_OPEN_WHERE == "state IN ('reported', 'accepted', 'in_progress', 'reopened')"


@pytest.fixture
def tickets(database: Database) -> list[Ticket]:
    """Sixty tickets of two communities in every state and a few categories, over 3 hours."""
    seed_community(database, "c1")
    seed_community(database, "c2", "桂花巷社区")
    rng = random.Random(15)
    with database.session() as session:
        for i in range(60):
            at = T0 + timedelta(minutes=rng.randrange(180))
            session.add(
                ticket(
                    f"m{i}",
                    at=at,
                    community_code=rng.choice(("c1", "c2")),
                    category=rng.choice(CATEGORIES),
                    state=rng.choice(STATES),
                )
            )
        session.commit()
        return list(session.exec(select(Ticket)).all())


STATUSES = ((), ("open",), ("closed",), ("open", "closed"), ("closed", "open"))
CODES = ((), ("facility",), ("noise", "welfare"))


@pytest.mark.parametrize("community", [None, "c2"])
def test_every_filter_shape_finds_exactly_the_matching_tickets(
    database: Database, tickets: list[Ticket], community: str | None
) -> None:
    start, end = T0 + timedelta(minutes=30), T0 + timedelta(minutes=150)
    with database.engine.connect() as conn:
        for statuses, codes in itertools.product(STATUSES, CODES):
            states = tuple(s for status in statuses for s in STATES_BY_STATUS[status])
            query = RequestQuery(
                service_codes=codes, states=states, start=start, end=end, community=community
            )
            expected = [
                (t.id, t.state)
                for t in sorted(tickets, key=lambda t: (t.created_at, t.id), reverse=True)
                if start <= t.created_at <= end
                and (not codes or t.category in codes)
                and (not states or t.state in states)
                and (community is None or t.community_code == community)
            ]
            found = [(k[0], k[2]) for k in match_keys(conn, query)]
            assert found == expected, (statuses, codes)


@pytest.mark.parametrize("community", [None, "c1"])
@pytest.mark.parametrize("codes", [(), ("facility", "noise")])
def test_sqlite_reads_open_requests_from_their_partial_index(
    sqlite_database: Database, community: str | None, codes: tuple[str, ...]
) -> None:
    # The statement as SQLite ran it (its values written in): SQLite's plan of that SQL.
    states = STATES_BY_STATUS["open"]
    query = RequestQuery(service_codes=codes, states=states, start=T0, end=T0, community=community)
    sent: list[str] = []
    with sqlite_database.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.set_trace_callback(sent.append)
        try:
            match_keys(conn, query)
        finally:
            raw.set_trace_callback(None)
        (sql,) = [s for s in sent if s.startswith("SELECT")]
        assert FEED_OPEN_WHERE in sql
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
    searched = [row[3] for row in plan if "tickets" in row[3]]  # in the keys' subquery
    assert searched == [
        "SEARCH tickets USING COVERING INDEX ix_tickets_feed_open (created_at>? AND created_at<?)"
    ]


def test_rows_read_on_the_driver_equal_sqlalchemys(
    database: Database, tickets: list[Ticket]
) -> None:
    ids = [t.id for t in tickets[::3]]
    with database.engine.connect() as conn:
        expected = [dict(row._mapping) for row in conn.execute(_ROWS, {"ids": ids})]
        found = load_rows(conn, ids)
        assert found == expected and len(found) == len(ids)
        assert [type(v) for v in found[0].values()] == [type(v) for v in expected[0].values()]
        assert all(type(r["created_at"]) is datetime and r["created_at"].tzinfo for r in found)
        keys = match_keys(conn, RequestQuery(ids=tuple(ids)))
        assert sorted(keys) == sorted((r["id"], r["version"], r["state"]) for r in expected)
        by_id = match_rows(conn, ids)
        members = member_names(conn, {"c1", "c2"})
    assert [(r["id"], r["version"], r["state"]) for r in by_id] == keys  # newest first
    assert sorted(by_id, key=lambda r: r["id"]) == sorted(found, key=lambda r: r["id"])
    assert {r["note"] for r in found} == {None} and members == {}  # none here: still read


def test_a_rows_note_is_its_latest_note_saying_what_was_done(
    database: Database, tickets: list[Ticket]
) -> None:
    """As the notes were chosen in Python before: the last progress, resolution or rejection
    with a note, by event id; none while the ticket is only reported."""
    open_ = next(t for t in tickets if t.state not in ("reported", "merged"))
    reported = next(t for t in tickets if t.state == "reported")
    events = [
        (open_.id, "progress", "先去看看"),
        (open_.id, "comment", "评论不算"),
        (open_.id, "resolve", "已修好"),
        (open_.id, "progress", ""),  # an empty note says nothing: the one before stands
        (reported.id, "progress", "不会显示"),
    ]
    with database.session() as session:
        for ticket_id, kind, note in events:
            session.add(
                TicketEvent(
                    ticket_id=ticket_id, at=T0, actor_id="u", actor_name="u", kind=kind, note=note
                )
            )
        session.commit()
    with database.engine.connect() as conn:
        found = {r["id"]: r["note"] for r in load_rows(conn, [open_.id, reported.id])}
        by_id = {r["id"]: r["note"] for r in match_rows(conn, [open_.id, reported.id])}
    assert found == by_id == {open_.id: "已修好", reported.id: None}
