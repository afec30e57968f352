"""Core statements on a session's connection: bulk rows, bare savepoints, attached tickets."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from storage import core
from storage.db import Database
from storage.duplicates import add_report, candidates, locked_ticket
from storage.models import OutboxMessage, Ticket, TicketEvent, TicketReport
from storage.tickets import add_event, create_ticket, events_of, get_ticket
from tests.support.db import T0, seed_community, ticket


def _outbox_row(text: str, **more: object) -> dict[str, object]:
    return {"room_id": "room", "text": text, "mention_ids": "", "created_at": T0,
            "not_before": T0, "kind": "reply", "urgent": False, **more}  # fmt: skip


def test_insert_rows_keeps_order_across_column_sets_and_fills_defaults(
    database: Database,
) -> None:
    rows = [_outbox_row("a"), _outbox_row("b", to_id="wx-b"), _outbox_row("c")]
    with database.session() as session:
        core.insert_rows(session, OutboxMessage, rows)
        core.insert_rows(session, OutboxMessage, [])
        session.commit()
    with database.session() as session:
        stored = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
    assert [(m.text, m.to_id) for m in stored] == [("a", None), ("b", "wx-b"), ("c", None)]
    assert [m.attempts for m in stored] == [0, 0, 0]  # the column's default
    assert stored[0].created_at == T0


def test_insert_rows_flushes_what_the_session_holds_first(database: Database) -> None:
    seed_community(database)
    with database.session() as session:
        pending = ticket("room:m1")
        session.add(pending)  # not flushed: the event below refers to it
        session.flush()
        pending.state = "accepted"  # a change still pending when the event is written
        add_event(session, pending, at=T0, actor_id="w", actor_name="w", kind="claim")
        # Written at once, on the connection, after the ticket's change.
        written = session.connection().exec_driver_sql("SELECT count(*) FROM ticket_events")
        assert written.scalar_one() == 1
        session.commit()
    with database.session() as session:
        stored = get_ticket(session, pending.id or 0)
        assert stored is not None and stored.state == "accepted"
        (event,) = events_of(session, pending.id or 0)
        assert (event.from_state, event.to_state) == ("accepted", "accepted")


def test_a_failed_savepoint_undoes_only_its_own_statements(database: Database) -> None:
    seed_community(database)
    with database.session() as session:
        conn = core.connection(session)
        core.insert_rows(session, OutboxMessage, [_outbox_row("kept")])
        with pytest.raises(IntegrityError), core.savepoint(conn):
            core.insert_rows(session, OutboxMessage, [_outbox_row("undone")])
            core.insert_rows(session, TicketEvent, [{"ticket_id": 999, "at": T0,
                             "actor_id": "w", "actor_name": "w", "kind": "x"}])  # fmt: skip
        # The transaction is still usable (PostgreSQL would refuse it without the savepoint).
        core.insert_rows(session, OutboxMessage, [_outbox_row("after")])
        session.commit()
    with database.session() as session:
        texts = session.exec(select(OutboxMessage.text).order_by(col(OutboxMessage.id))).all()
    assert list(texts) == ["kept", "after"]


def test_a_created_ticket_is_attached_and_later_changes_are_saved(database: Database) -> None:
    seed_community(database)
    with database.session() as session:
        created = create_ticket(session, ticket("room:m1"), actor_id="w", actor_name="w")
        assert created in session and created not in session.new
        assert session.get(Ticket, created.id) is created  # no second copy, no query needed
        created.meeting_id = 7
        session.commit()
    with database.session() as session:
        stored = get_ticket(session, created.id or 0)
        assert stored is not None and stored.meeting_id == 7
        assert stored.search_text == ticket("x").search_text and stored.plus_ones == 0


def test_a_ticket_already_added_is_written_once(database: Database) -> None:
    seed_community(database)
    with database.session() as session:
        added = ticket("room:m1")
        session.add(added)
        create_ticket(session, added, actor_id="w", actor_name="w")
        session.commit()
    with database.session() as session:
        assert len(session.exec(select(Ticket)).all()) == 1
        assert len(session.exec(select(TicketEvent)).all()) == 1


def test_plus_one_rows_and_the_recent_flag(database: Database) -> None:
    seed_community(database)
    with database.session() as session:
        old = create_ticket(session, ticket("room:old", at=T0), actor_id="w", actor_name="w")
        later = T0.replace(hour=15)
        new = create_ticket(session, ticket("room:new", at=later), actor_id="w", actor_name="w")
        add_report(session, ticket_id=new.id or 0, reporter_id="wx-b", reporter_name="b",
                   room_id=None, text="又坏了", at=later, source_msg_id="room:b")  # fmt: skip
        found = candidates(session, community="c1", category="facility",
                           open_states=("reported",), since=T0, source_msg_id="room:none",
                           limit=10, recent_since=later)  # fmt: skip
        assert [(c.id, c.recent) for c in found] == [(new.id, True), (old.id, False)]
        assert locked_ticket(session, new.id or 0) is new
        assert locked_ticket(session, 999) is None
        with pytest.raises(IntegrityError):
            add_report(session, ticket_id=new.id or 0, reporter_id="wx-b", reporter_name="b",
                       room_id=None, text="再说", at=later, source_msg_id="room:b")  # fmt: skip
        session.rollback()
    with database.session() as session:
        assert session.exec(select(TicketReport)).all() == []
