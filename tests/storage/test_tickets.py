"""Tickets: atomic creation with the first event, and one ticket per source message."""

from __future__ import annotations

import threading
import time
from datetime import UTC, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from storage.db import Database
from storage.models import Community, Ticket, TicketEvent
from storage.outbox import enqueue
from storage.tickets import (
    DuplicateSource,
    create_ticket,
    events_of,
    get_ticket,
    is_duplicate_source_error,
    ticket_by_source,
)
from tests.support.db import T0, seed_community, ticket


def _count(session: Session, model: type) -> int:
    """Rows stored in the table of ``model``."""
    return session.exec(select(func.count()).select_from(model)).one()


def _file(db: Database, source: str) -> int:
    """Create and commit a ticket, returning its id."""
    with db.session() as session:
        created = create_ticket(session, ticket(source), actor_id="wx-w", actor_name="王阿姨")
        session.commit()
        assert created.id is not None
        return created.id


def test_create_writes_ticket_and_first_event(database: Database) -> None:
    seed_community(database)
    with database.session() as session:
        created = create_ticket(
            session, ticket("room:m1"), actor_id="wx-w", actor_name="王阿姨", note="路灯坏了"
        )
        assert created.id is not None  # flushed, not yet committed
        session.commit()
    with database.session() as session:
        stored = get_ticket(session, created.id)
        assert stored is not None and stored.state == "reported"
        assert stored.created_at == T0 and stored.created_at.tzinfo is not None
        assert ticket_by_source(session, "room:m1") == stored
        (event,) = events_of(session, created.id)
        assert (event.kind, event.from_state, event.to_state) == ("reported", None, "reported")
        assert (event.actor_id, event.actor_name, event.note) == ("wx-w", "王阿姨", "路灯坏了")
        assert event.at == T0
        assert get_ticket(session, 999) is None
        assert ticket_by_source(session, "room:other") is None


def test_rollback_leaves_nothing(database: Database) -> None:
    seed_community(database)
    with database.session() as session:
        create_ticket(session, ticket("room:m1"), actor_id="wx-w", actor_name="王阿姨")
        session.rollback()
    with database.session() as session:
        assert (_count(session, Ticket), _count(session, TicketEvent)) == (0, 0)


def test_failed_create_keeps_the_transaction_usable(database: Database) -> None:
    seed_community(database)
    with database.session() as session:
        with pytest.raises(IntegrityError) as caught:
            bad = ticket("room:m1", community_code="no-such-community")
            create_ticket(session, bad, actor_id="wx-w", actor_name="王阿姨")
        assert not isinstance(caught.value, DuplicateSource)
        assert not is_duplicate_source_error(caught.value)
        create_ticket(session, ticket("room:m2"), actor_id="wx-w", actor_name="王阿姨")
        session.commit()
    with database.session() as session:
        assert [t.source_msg_id for t in session.exec(select(Ticket)).all()] == ["room:m2"]
        assert _count(session, TicketEvent) == 1


def test_redelivered_message_is_a_recognised_duplicate(database: Database) -> None:
    seed_community(database)
    first = _file(database, "room:m1")
    with database.session() as session:
        with pytest.raises(DuplicateSource) as caught:
            create_ticket(session, ticket("room:m1"), actor_id="wx-w", actor_name="王阿姨")
        assert caught.value.source_msg_id == "room:m1"
        assert isinstance(caught.value, IntegrityError)
        assert is_duplicate_source_error(caught.value)
        # Nothing half-written, and the caller can still finish its transaction.
        enqueue(session, room_id="room", to_id=None, text="已登记", mention_ids=(), now=T0)
        session.commit()
    with database.session() as session:
        assert (_count(session, Ticket), _count(session, TicketEvent)) == (1, 1)
        assert [e.ticket_id for e in session.exec(select(TicketEvent)).all()] == [first]


def test_duplicate_found_at_commit_is_recognised(database: Database) -> None:
    # Code that inserts tickets itself sees the violation at flush/commit instead.
    seed_community(database)
    _file(database, "room:m1")
    with database.session() as session:
        session.add(ticket("room:m1"))
        with pytest.raises(IntegrityError) as caught:
            session.commit()
        assert is_duplicate_source_error(caught.value)


def test_other_unique_violations_are_not_duplicates(database: Database) -> None:
    seed_community(database)
    with database.session() as session:
        session.add(Community(code="c2", name="幸福里社区"))  # same name as c1
        with pytest.raises(IntegrityError) as caught:
            session.commit()
        assert not is_duplicate_source_error(caught.value)


def test_events_are_ordered_by_time_then_insertion(database: Database) -> None:
    seed_community(database)
    ticket_id = _file(database, "room:m1")
    with database.session() as session:
        for kind, at in [("note", T0 + timedelta(hours=2)), ("state", T0 + timedelta(hours=1))]:
            session.add(
                TicketEvent(ticket_id=ticket_id, at=at, actor_id="x", actor_name="x", kind=kind)
            )
        # The same instant as the "reported" event, written in UTC: still sorts after it.
        same = T0.astimezone(UTC)
        session.add(
            TicketEvent(ticket_id=ticket_id, at=same, actor_id="x", actor_name="x", kind="tie")
        )
        session.commit()
    with database.session() as session:
        kinds = [e.kind for e in events_of(session, ticket_id)]
        assert kinds == ["reported", "tie", "state", "note"]


def test_concurrent_redelivery_makes_exactly_one_ticket(database: Database) -> None:
    seed_community(database)
    workers = 4
    barrier = threading.Barrier(workers)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            with database.session() as session:
                barrier.wait(timeout=10)
                try:
                    create_ticket(session, ticket("room:same"), actor_id="w", actor_name="w")
                except DuplicateSource:
                    session.rollback()
                    outcomes.append("duplicate")
                    return
                time.sleep(0.05)  # hold the uncommitted row while the others try theirs
                session.commit()
                outcomes.append("created")
        except BaseException as exc:  # reported to the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(outcomes) == ["created"] + ["duplicate"] * (workers - 1)
    with database.session() as session:
        assert (_count(session, Ticket), _count(session, TicketEvent)) == (1, 1)
