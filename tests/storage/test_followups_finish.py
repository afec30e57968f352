"""``followups.finish``: one UPDATE, and the rows the session already holds read as done;
``followups.due``: plain rows, their tickets handed to the batch's shared rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event
from sqlmodel import col, select

from storage import followups, ticket_rows
from storage.db import Database
from storage.models import FollowUp
from tests.support.db import seed_community, ticket

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


def test_finish_marks_rows_done_in_the_database_and_in_the_session(
    database: Database,
) -> None:
    seed_community(database)
    with database.session() as session:
        for kind in ("remind", "late", "overdue"):
            followups.schedule(
                session, kind=kind, community_code="c1", due_at=NOW - timedelta(hours=1), now=NOW
            )
        session.commit()
    with database.session() as session:
        loaded = list(session.exec(select(FollowUp).order_by(col(FollowUp.id))))
        remind, late, overdue = loaded
        followups.finish(session, [late.id or 0], NOW, "cancelled")  # already done: untouched
        followups.finish(session, [remind.id or 0, late.id or 0], NOW + timedelta(1), "sent")
        assert (remind.done_at, remind.outcome) == (NOW + timedelta(1), "sent")
        assert (late.done_at, late.outcome) == (NOW, "cancelled")
        assert overdue.done_at is None and overdue.outcome == ""
        assert not session.dirty  # in step with the database, nothing left to flush
        session.commit()
    with database.session() as session:
        rows = {r.kind: (r.done_at, r.outcome) for r in session.exec(select(FollowUp))}
    assert rows == {
        "remind": (NOW + timedelta(1), "sent"),
        "late": (NOW, "cancelled"),
        "overdue": (None, ""),
    }


def test_due_reads_plain_rows_earliest_first(database: Database) -> None:
    seed_community(database)
    with database.session() as session:
        for kind, hours in (("late", -1), ("remind", -2), ("overdue", 1)):
            followups.schedule(
                session,
                kind=kind,
                community_code="c1",
                due_at=NOW + timedelta(hours=hours),
                now=NOW,
                ticket_id=None,
            )
        session.commit()
    with database.session() as session:
        rows = followups.due(session, NOW, 10)
        assert [(r.kind, r.due_at) for r in rows] == [
            ("remind", NOW - timedelta(hours=2)),
            ("late", NOW - timedelta(hours=1)),
        ]
        assert all(isinstance(r, followups.DueRow) for r in rows)
        assert not session.identity_map  # no ORM object was built
        assert followups.due(session, NOW, 1) == rows[:1]


def test_due_brings_its_tickets_to_the_batch_shared_rows(database: Database) -> None:
    seed_community(database)
    with database.session() as session:
        t = ticket("due-1", assignee_id="wx-zhang")
        session.add(t)
        session.flush()
        for kind in ("remind", "late"):
            followups.schedule(
                session,
                kind=kind,
                community_code="c1",
                due_at=NOW - timedelta(hours=1),
                now=NOW,
                ticket_id=t.id,
            )
        followups.schedule(session, kind="notice", community_code="c1", due_at=NOW, now=NOW)
        session.commit()
        ticket_id = t.id or 0
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    with database.session() as session, ticket_rows.shared_rows(session):
        rows = followups.due(session, NOW, 10)
        assert [r.ticket_id for r in rows] == [ticket_id, ticket_id, None]
        event.listen(database.engine, "before_cursor_execute", count)
        try:
            shared = ticket_rows.ticket_rows(session, [ticket_id])
        finally:
            event.remove(database.engine, "before_cursor_execute", count)
        assert statements == []  # read with the due rows, not again
    with database.session() as session:  # outside a batch, read as ever, and the same
        followups.due(session, NOW, 10)
        assert ticket_rows.ticket_rows(session, [ticket_id]) == shared
    assert shared[ticket_id].assignee_id == "wx-zhang"
