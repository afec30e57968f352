"""The duplicate check's candidates: the rows a plain reading of the rule gives, from the
partial index of open tickets by category (issue 15)."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import update

from handlers.vocabulary import OPEN_STATES
from storage.db import Database
from storage.duplicates import Candidate, _candidates_statement, candidates
from storage.models import Ticket
from storage.tickets import create_ticket
from tests.support.db import T0, seed_community, ticket

STATES = ("reported", "accepted", "resolved", "in_progress", "closed", "reopened", "merged")
PLACES = ("3栋2单元", "13栋", "3栋", "东门", "", "地下车库", "23栋1单元")


def _seed(database: Database) -> list[Ticket]:
    """Forty tickets of two communities and categories, filed an hour apart, in every state
    (filing times out of key order too), at a few places."""
    seed_community(database)
    seed_community(database, "c2", "和平里社区")
    made = []
    with database.session() as session:
        for i in range(40):
            at = T0 + timedelta(hours=(i * 7) % 40)
            t = ticket(
                f"room:{i}",
                at=at,
                community_code="c1" if i % 5 else "c2",
                category="facility" if i % 3 else "parking",
                location=PLACES[i % len(PLACES)],
                klass="urgent" if i % 4 == 0 else "small",
            )
            made.append(create_ticket(session, t, actor_id="w", actor_name="w"))
        for t in made:  # states written after filing: a new ticket is always reported
            state = STATES[(t.id or 0) % len(STATES)]
            session.execute(update(Ticket).where(Ticket.id == t.id).values(state=state))
        session.commit()
    return made


def _expected(tickets: list[Ticket], states: tuple[str, ...], **asked: object) -> list[Candidate]:
    """The rule read plainly: the newest ``limit`` open tickets of the window but the one of
    ``source``, then those whose location contains ``near``."""
    since, recent = asked["since"], asked["recent_since"]
    newest = sorted(
        (
            t
            for t in tickets
            if t.community_code == asked["community"]
            and t.category == asked["category"]
            and t.created_at >= since  # type: ignore[operator]
            and STATES[(t.id or 0) % len(STATES)] in states
            and t.source_msg_id != asked["source_msg_id"]
        ),
        key=lambda t: -(t.id or 0),
    )[: int(asked["limit"])]  # type: ignore[call-overload]
    near = asked["near"]
    return [
        Candidate(
            t.id or 0, t.location, t.search_text, t.klass, t.created_at >= recent, None, None
        )  # type: ignore[operator]
        for t in newest
        if near is None or str(near) in t.location
    ]


def test_candidates_are_the_rule_read_plainly(database: Database) -> None:
    tickets = _seed(database)
    sources = ("room:none", "room:33", "room:37")
    with database.session() as session:
        for community, category, hours, source, limit, near, states in itertools.product(
            ("c1", "c2"),
            ("facility", "parking"),
            (0, 12, 30),
            sources,
            (60, 3),
            (None, "3", "13", "东门", "2单元"),
            (tuple(OPEN_STATES), ("reported",)),
        ):
            asked = {
                "community": community,
                "category": category,
                "since": T0 + timedelta(hours=hours),
                "source_msg_id": source,
                "limit": limit,
                "recent_since": T0 + timedelta(hours=20),
                "near": near,
            }
            found = candidates(session, open_states=states, **asked)  # type: ignore[arg-type]
            assert found == _expected(tickets, states, **asked), asked


def test_the_duplicate_check_reads_only_the_rows_that_pass(sqlite_database: Database) -> None:
    # The newest open tickets of the category, their filing time and place from the partial
    # index alone, in key order (no sort of the window); only the rows that pass are read.
    for near in (False, True):
        statement = _candidates_statement(tuple(OPEN_STATES), 60, "sqlite", near)
        values = {"community": "c1", "category": "facility", "since": T0, "source": "room:x"}
        values |= {"recent_since": T0, **({"near": "3栋"} if near else {})}
        sql = statement.params(**values).compile(
            sqlite_database.engine, compile_kwargs={"literal_binds": True}
        )
        with sqlite_database.engine.connect() as conn:
            plan = [str(r[3]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
        assert any("COVERING INDEX ix_tickets_open_by_category" in step for step in plan), plan
        rows = [step for step in plan if step.startswith("SEARCH") and "COVERING" not in step]
        assert rows == ["SEARCH t USING INTEGER PRIMARY KEY (rowid=?)"], plan
        assert not any(step.startswith("SCAN t") for step in plan), plan
