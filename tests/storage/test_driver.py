"""Statements on the driver give SQLAlchemy's rows, parameters and errors, on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Integer, bindparam, event, select, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from storage import core, driver
from storage.db import Database
from storage.models import FollowUp, OutboxMessage, Ticket
from storage.tickets import create_ticket
from tests.support.db import T0, seed_community, ticket

_TICKETS = (
    select(
        col(Ticket.id),
        col(Ticket.created_at),
        col(Ticket.filed_on_request),
        (col(Ticket.created_at) >= bindparam("since")).label("recent"),
        type_coerce(col(Ticket.plus_ones), Integer),
    )
    .where(col(Ticket.id).in_(bindparam("ids", expanding=True)))
    .where(col(Ticket.state).in_(["reported", "accepted"]))  # fixed in the statement
    .order_by(col(Ticket.id))
)
_PENDING = select(col(FollowUp.kind), col(FollowUp.outcome)).order_by(col(FollowUp.id))


def test_rows_are_sqlalchemys_for_any_list_length(database: Database) -> None:
    seed_community(database)
    with database.session() as session:
        made = [
            create_ticket(
                session,
                ticket(f"room:m{i}", at=T0 + timedelta(hours=i)),
                actor_id="w",
                actor_name="w",
            )
            for i in range(3)
        ]
        ids = [t.id for t in made]
        for chosen in ([], ids[:1], ids, [*ids, 999], [*range(1000, 1100), *ids]):  # 103: not kept
            values = {"ids": chosen, "since": T0 + timedelta(hours=1)}
            expected = [tuple(r) for r in session.connection().execute(_TICKETS, values)]
            assert driver.of(session).rows(_TICKETS, values) == expected
            first = driver.of(session).first(_TICKETS, values)
            assert first == (expected[0] if expected else None)
        got = driver.of(session).rows(_TICKETS, {"ids": ids, "since": T0})
        assert got[0][1] == T0 and got[0][1].tzinfo is not None  # as the ORM reads it
        assert got[0][2] is False and got[0][3] is True


def test_inserts_fill_column_defaults_and_listeners_see_each_statement(
    database: Database,
) -> None:
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    seed_community(database)
    event.listen(database.engine, "before_cursor_execute", note)
    try:
        with database.session() as session:
            rows = [{"kind": k, "community_code": "c1", "due_at": T0, "created_at": T0}
                    for k in ("remind", "late")]  # fmt: skip
            core.insert_rows(session, FollowUp, rows)
            assert driver.of(session).rows(_PENDING) == [("remind", ""), ("late", "")]
            session.commit()
    finally:
        event.remove(database.engine, "before_cursor_execute", note)
    assert sum(s.startswith("INSERT INTO followups") for s in seen) == 1  # one executemany
    assert sum(s.startswith("SELECT followups.kind") for s in seen) == 1


def test_errors_are_sqlalchemys_and_a_savepoint_keeps_the_transaction(
    database: Database,
) -> None:
    seed_community(database)
    row = {"room_id": "r", "text": "x", "mention_ids": "", "created_at": T0, "not_before": T0}
    bad = {"ticket_id": 999, "kind": "x", "community_code": "c1", "due_at": T0, "created_at": T0}
    with database.session() as session:
        run = driver.of(session)
        with pytest.raises(IntegrityError), run.savepoint():
            core.insert_rows(session, OutboxMessage, [row])
            core.insert_rows(session, FollowUp, [bad])  # no such ticket
        core.insert_rows(session, OutboxMessage, [{**row, "text": "after"}])
        session.commit()
    with database.session() as session:
        texts = driver.of(session).rows(select(col(OutboxMessage.text)))
    assert texts == [("after",)]
