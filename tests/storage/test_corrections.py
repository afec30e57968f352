"""Corrections kept as labelled examples: one row per ticket, read per community, oldest first."""

from __future__ import annotations

from datetime import timedelta

from storage.corrections import labelled_examples, record_correction
from storage.db import Database
from storage.models import Ticket
from storage.tickets import create_ticket
from tests.support.db import T0, seed_community, ticket


def _file(db: Database, source: str, **overrides: object) -> int:
    """Create and commit a ticket, returning its id."""
    with db.session() as session:
        created = create_ticket(
            session, ticket(source, **overrides), actor_id="wx-w", actor_name="王阿姨"
        )
        session.commit()
        assert created.id is not None
        return created.id


def _correct(
    db: Database, number: int, klass: str, category: str, actor: str, minutes: int
) -> None:
    """Correct ticket ``number`` the way 改为 does: the labels change, the example is kept."""
    with db.session() as session:
        t = session.get(Ticket, number)
        assert t is not None
        was = (t.klass, t.category)
        t.klass, t.category = klass, category
        record_correction(
            session,
            t,
            klass=klass,
            category=category,
            was_klass=was[0],
            was_category=was[1],
            actor_id=actor,
            at=T0 + timedelta(minutes=minutes),
        )
        session.commit()


def test_a_correction_is_stored_with_the_tickets_text_and_community(database: Database) -> None:
    seed_community(database)
    number = _file(database, "room:m1")
    _correct(database, number, "small", "utilities", "wx-zhang", 5)
    with database.session() as session:
        (row,) = labelled_examples(session)
        assert (row.community_code, row.ticket_id) == ("c1", number)
        assert row.text == "3栋2单元门口的路灯坏了，晚上很黑"
        assert (row.klass, row.category, row.was_klass, row.was_category) == (
            "small",
            "utilities",
            "small",
            "facility",
        )
        assert (row.actor_id, row.at) == ("wx-zhang", T0 + timedelta(minutes=5))
        assert row.at.tzinfo is not None


def test_a_second_correction_updates_the_row_and_keeps_what_the_bot_said(
    database: Database,
) -> None:
    seed_community(database)
    number = _file(database, "room:m1")
    _correct(database, number, "small", "utilities", "wx-zhang", 5)
    _correct(database, number, "urgent", "safety", "wx-zhao", 9)
    with database.session() as session:
        (row,) = labelled_examples(session)
        assert (row.klass, row.category) == ("urgent", "safety")
        assert (row.was_klass, row.was_category) == ("small", "facility")  # the first "was"
        assert (row.actor_id, row.at) == ("wx-zhao", T0 + timedelta(minutes=9))


def test_record_correction_does_not_commit(database: Database) -> None:
    """The row belongs to the caller's transaction: a rollback takes it away with the change."""
    seed_community(database)
    number = _file(database, "room:m1")
    with database.session() as session:
        t = session.get(Ticket, number)
        assert t is not None
        example = record_correction(
            session,
            t,
            klass="urgent",
            category="facility",
            was_klass="small",
            was_category="facility",
            actor_id="wx-zhang",
            at=T0,
        )
        assert example.id is not None  # flushed
        session.rollback()
    with database.session() as session:
        assert labelled_examples(session) == []


def test_examples_are_read_per_community_oldest_first(database: Database) -> None:
    seed_community(database)
    seed_community(database, "c2", "桂花巷社区")
    first = _file(database, "room:m1")
    other = _file(database, "room:m2", community_code="c2", text="小区里噪音太大")
    third = _file(database, "room:m3", text="9栋门口垃圾桶满了")
    _correct(database, first, "small", "utilities", "wx-a", 1)
    _correct(database, other, "small", "noise", "wx-b", 2)
    _correct(database, third, "small", "sanitation", "wx-c", 3)
    _correct(database, first, "difficult", "utilities", "wx-a", 4)  # keeps its place
    with database.session() as session:
        assert [r.ticket_id for r in labelled_examples(session, "c1")] == [first, third]
        assert [r.ticket_id for r in labelled_examples(session, "c2")] == [other]
        assert [r.ticket_id for r in labelled_examples(session)] == [first, other, third]
        assert labelled_examples(session, "nowhere") == []
