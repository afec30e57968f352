"""The planner on its own: idempotent, self-healing, bulk, and polite to other features."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import Session, col, select

from handlers.context import Services
from handlers.followups.deadlines import response_deadline
from handlers.followups.engine import SweepContext
from handlers.followups.planner import TICKET_FOLLOWUPS, plan, reconcile
from handlers.followups.plans import plans
from handlers.followups.registry import TICKET_KINDS, follow_up_kinds
from handlers.followups.tickets import remind
from storage import followups
from storage.db import Database
from storage.models import FollowUp, Ticket
from tests.support.db import SHANGHAI, T0, seed_community, ticket
from tests.support.fakes import NothingUnderstood

SERVICES = Services(clock=lambda: T0, nlp=NothingUnderstood())


@contextmanager
def counted(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def add_tickets(db: Database, n: int, **fields: object) -> set[int]:
    with db.session() as s:
        rows = [ticket(f"m{i}", **fields) for i in range(n)]  # type: ignore[arg-type]
        s.add_all(rows)
        s.commit()
        return {t.id for t in rows if t.id is not None}


def pending(s: Session) -> list[tuple[int | None, str, datetime]]:
    rows = s.exec(select(FollowUp).where(col(FollowUp.done_at).is_(None)))
    return sorted((r.ticket_id, r.kind, r.due_at) for r in rows)


def test_reconcile_is_idempotent(database: Database) -> None:
    seed_community(database)
    ids = add_tickets(database, 3, due_at=T0 + timedelta(days=5))
    with database.session() as s:
        reconcile(s, ids, T0, SERVICES)
        s.commit()
        first = pending(s)
        reconcile(s, ids, T0, SERVICES)
        s.commit()
        assert pending(s) == first
    # Each ticket: a response reminder, the late notice at the response deadline, a resolution
    # reminder and the overdue notice.
    assert sorted(kind for _, kind, _ in first) == ["late"] * 3 + ["overdue"] * 3 + ["remind"] * 6


def test_duplicates_are_cancelled_and_other_features_rows_kept(database: Database) -> None:
    seed_community(database)
    [tid] = add_tickets(database, 1, klass="difficult", route="hall")
    with database.session() as s:
        for kind in ("overdue", "overdue", "hall_notice"):
            followups.schedule(s, kind=kind, community_code="c1", due_at=T0, now=T0, ticket_id=tid)
        reconcile(s, {tid}, T0, SERVICES)  # a difficult ticket without a 决议 needs nothing
        s.commit()
        assert [kind for _, kind, _ in pending(s)] == ["hall_notice"]
        outcomes = sorted(r.outcome for r in s.exec(select(FollowUp)) if r.kind == "overdue")
    assert outcomes == ["cancelled", "cancelled"]


def test_a_reopened_ticket_read_as_a_row_gets_a_fresh_deadline(database: Database) -> None:
    seed_community(database)
    late = T0 - timedelta(hours=1)
    [tid] = add_tickets(database, 1, state="reopened", due_at=late, assignee_id="wx-zhang")
    fresh = SERVICES.policy.deadlines.due("small", T0)
    with database.session() as s:
        reconcile(s, {tid}, T0, SERVICES)  # not held by this session: read as a plain row
        s.commit()
        assert pending(s) == [(tid, "overdue", fresh), (tid, "remind", fresh - timedelta(hours=4))]
    with database.session() as s:
        t = s.get(Ticket, tid)
        assert t is not None and t.due_at == fresh and t.alerts == 0


def test_reconcile_queries_do_not_grow_with_the_tickets(database: Database) -> None:
    seed_community(database)
    due = T0 + timedelta(days=3)
    few, many = add_tickets(database, 3, due_at=due), set()
    with database.session() as s:
        s.add_all([ticket(f"x{i}", due_at=due) for i in range(300)])
        s.commit()
    many = set(range(4, 304))
    counts = []
    for ids in (few, many):
        with database.session() as s, counted(database) as statements:
            reconcile(s, ids, T0, SERVICES)
            s.commit()
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_a_row_the_ticket_no_longer_needs_is_skipped(database: Database) -> None:
    seed_community(database)
    [tid] = add_tickets(database, 1, assignee_id="wx-zhang", assignee_name="张经理")
    with database.session() as s:
        # A response reminder left behind although the ticket was claimed meanwhile.
        row = followups.schedule(
            s, kind="remind", community_code="c1", due_at=T0, now=T0, ticket_id=tid
        )
        s.flush()
        [due] = followups.due(s, T0 + timedelta(hours=1), 10)
        assert due.id == row.id
        assert remind(SweepContext(s, SERVICES, T0 + timedelta(hours=1)), [due]) == []


def test_two_reminders_falling_together_are_one() -> None:
    policy = SERVICES.policy
    t = ticket("m1")
    t.due_at = response_deadline(t, policy.deadlines, SHANGHAI)  # both deadlines at once
    before = timedelta(hours=policy.followups.remind_before_hours)
    kinds = [(p.kind, p.due_at) for p in plan(t, policy, SHANGHAI)]
    assert kinds == [("remind", t.due_at - before), ("late", t.due_at), ("overdue", t.due_at)]
    t.due_at += timedelta(days=1)
    assert [p.kind for p in plan(t, policy, SHANGHAI)] == ["remind", "late", "remind", "overdue"]


def test_plans_matches_a_periodic_kind_at_any_time() -> None:
    policy = SERVICES.policy
    t = ticket("m1", klass="urgent", due_at=T0 + timedelta(hours=24))
    [alarm] = [p for p in plan(t, policy, SHANGHAI) if p.kind == "realert"]
    assert plans(t, "realert", alarm.due_at + timedelta(hours=3), policy, SHANGHAI)
    assert plans(t, "overdue", T0 + timedelta(hours=24), policy, SHANGHAI)
    assert not plans(t, "overdue", T0 + timedelta(hours=25), policy, SHANGHAI)
    assert not plans(t, "remind", T0 + timedelta(hours=20), policy, SHANGHAI)
    t.acknowledged_at = T0  # 到场: the ladder stops
    assert not plans(t, "realert", alarm.due_at, policy, SHANGHAI)


def test_registry() -> None:
    assert set(TICKET_KINDS) == TICKET_FOLLOWUPS
    hall = {"meeting_notice": remind}
    assert set(follow_up_kinds(hall)) == TICKET_FOLLOWUPS | {"meeting_notice"}
    with pytest.raises(ValueError, match="twice"):
        follow_up_kinds({"remind": remind})
