"""``followups.finish``: one UPDATE, and the rows the session already holds read as done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from storage import followups
from storage.db import Database
from storage.models import FollowUp
from tests.support.db import seed_community

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
