"""plans() answers for one kind what the whole plan() says, for tickets of every shape.

Both are built from the planner's per-kind rules; what this checks is the rest: that plans()
asks the right rules for each kind and state, as plan() puts them together.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta

from handlers.context import Services
from handlers.followups.planner import PERIODIC, TICKET_FOLLOWUPS, plan
from handlers.followups.plans import plans
from handlers.policy import Policy
from storage.ticket_rows import TicketRow
from tests.support.db import SHANGHAI, T0
from tests.support.fakes import NothingUnderstood

POLICY = Services(clock=lambda: T0, nlp=NothingUnderstood()).policy
# Two gentle reminders, so a nudge has more than one time to be found at.
NUDGING = dataclasses.replace(
    POLICY, ladder=dataclasses.replace(POLICY.ladder, claimed_reminders=2)
)
STATES = ("reported", "accepted", "in_progress", "reopened", "resolved", "closed", "merged")


def _maybe(rng: random.Random, at: datetime) -> datetime | None:
    return None if rng.random() < 0.5 else at + timedelta(minutes=rng.randint(-600, 6000))


def _tickets(n: int, seed: int = 15) -> list[TicketRow]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        # Any hour of any day of two weeks (weekends and evenings for the working days).
        created = (T0 + timedelta(minutes=rng.randint(-20_000, 20_000))).astimezone(UTC)
        out.append(
            TicketRow(
                id=i + 1,
                community_code="c1",
                grid=rng.choice(["一网格", None]),
                room_id="room-grid-1",
                reporter_id="wx-r",
                text="路灯坏了",
                klass=rng.choice(["small", "urgent", "difficult"]),
                location="",
                responsible=rng.choice(["property", None]),
                state=rng.choice(STATES),
                created_at=created,
                due_at=_maybe(rng, created),
                assignee_id=rng.choice([None, None, "wx-a"]),
                assignee_name=None,
                acknowledged_at=rng.choice([None, None, _maybe(rng, created)]),
                answered_at=rng.choice([None, _maybe(rng, created)]),
                resolved_at=_maybe(rng, created),
                alerts=rng.randint(0, 9),
                visit_asked_at=_maybe(rng, created),
            )
        )
    return out


def _reference(t: TicketRow, kind: str, due_at: datetime, policy: Policy) -> bool:
    """The answer from the whole plan: a look through plan()."""
    return any(
        p.kind == kind and (kind in PERIODIC or p.due_at == due_at)
        for p in plan(t, policy, SHANGHAI)
    )


def test_every_kind_at_every_time_is_answered_as_plan_says() -> None:
    found = 0
    for policy in (POLICY, NUDGING):
        for t in _tickets(1500):
            planned = plan(t, policy, SHANGHAI)
            times = {p.due_at for p in planned} | {t.created_at + timedelta(hours=4)}
            if t.due_at is not None:
                times |= {t.due_at, t.due_at - timedelta(hours=4), t.due_at + timedelta(hours=1)}
            for kind in sorted(TICKET_FOLLOWUPS | {"meeting_notice"}):
                for at in times:
                    expected = _reference(t, kind, at, policy)
                    assert plans(t, kind, at, policy, SHANGHAI) is expected, (t, kind, at)
                    found += expected
    assert found > 2000  # the shapes do plan things: every kind is met many times over


def test_each_kind_is_met() -> None:
    kinds = {p.kind for t in _tickets(1500) for p in plan(t, NUDGING, SHANGHAI)}
    assert kinds == TICKET_FOLLOWUPS
