"""The request feed's cache: bounded, newest kept, and never serving a changed ticket."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.web.open311_feed import RequestFeed
from bot.web.open311_query import RequestQuery
from storage.db import Database
from storage.models import Ticket
from tests.support.db import SHANGHAI, T0, seed_community, ticket


def test_the_cache_is_bounded_and_follows_changes(database: Database) -> None:
    seed_community(database)
    with database.session() as session:
        for i in range(5):
            session.add(ticket(f"m{i}", at=T0 + timedelta(minutes=i), text=f"路灯{i}坏了"))
        session.commit()
    feed = RequestFeed(database.session, {"c1": "幸福里社区"}, SHANGHAI, cached=3)
    query = RequestQuery(start=T0 - timedelta(days=1), end=T0 + timedelta(days=1))
    first = [json.loads(r) for r in feed.find(query)]
    assert [r["service_request_id"] for r in first] == [5, 4, 3, 2, 1]
    assert len(feed._cache) == 3  # the three rendered last
    with database.session() as session:
        t = session.get(Ticket, 5)
        assert t is not None
        t.state, t.updated_at = "resolved", T0 + timedelta(hours=1)
        session.add(t)
        session.commit()
    again = [json.loads(r) for r in feed.find(query)]
    assert again[0]["status"] == "closed" and again[1:] == first[1:]
    assert again[0]["updated_datetime"] == "2026-11-26T10:00:00+08:00"
