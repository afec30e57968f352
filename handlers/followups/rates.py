"""The three rates of the 接诉即办 practice, defined once for the digests, the dashboard and
``/public/stats``.

A ticket is counted only once its outcome is known: when it was answered (or resolved), or when
its deadline has passed without that. A ticket whose deadline is still ahead and that nobody
has answered yet is neither a success nor a failure, and is left out until it is one.
``[start, end)`` is the span reported (a week, this week so far), ``now`` the moment of
counting; times are compared as instants.

- **响应率 response rate** = of the small and urgent tickets filed in the span (not merged
  into another), those answered by their first-response deadline / those answered, or whose
  deadline has passed by ``now``. The first response is the earliest of ``acknowledged_at``
  and the first 认领 / 到场 / 进展 / 办结 / 驳回 event; the deadline is
  :func:`handlers.followups.deadlines.respond_by` (``small_response_days`` working days, at
  ``workday_end``, for a small ticket; ``urgent_ack_minutes`` for an urgent one). Difficult
  tickets go to the hall and have no response deadline, so they are not counted.
- **解决率 resolution rate** = of the tickets with a deadline ``due_at`` (neither merged nor
  rejected) that were *settled* in the span, those resolved in time / all of them. A ticket is
  settled when it is resolved by ``due_at`` (at ``resolved_at``, a success) or when ``due_at``
  passes without that (a failure); a settling moment after ``now`` is not counted yet. A
  ticket reopened after an unsatisfied rating has no ``resolved_at`` and counts as unresolved.
- **满意率 satisfaction rate** = ratings given in the span (评价 events) that were 满意 or
  基本满意 (they closed the ticket) / all ratings given in the span (不满意 reopens it).
  A ticket rated twice counts twice; tickets closed without a rating are not counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from handlers.followups.deadlines import respond_by
from handlers.policy import Policy
from storage import digests as digest_queries
from storage.checks import zone_of

RESPONSE_EVENTS = ("claim", "arrive", "progress", "resolve", "reject")


@dataclass(frozen=True, slots=True)
class Rate:
    """A share: ``hits`` out of ``total``."""

    hits: int
    total: int

    @property
    def value(self) -> float | None:
        """The share between 0 and 1, or None when nothing was counted."""
        return self.hits / self.total if self.total else None

    def label(self) -> str:
        """``90%（9/10）``, or ``—`` when there was nothing to count."""
        if not self.total:
            return "—"
        return f"{round(100 * self.hits / self.total)}%（{self.hits}/{self.total}）"


@dataclass(frozen=True, slots=True)
class Rates:
    """响应率, 解决率 and 满意率 of one community over one span."""

    response: Rate
    resolution: Rate
    satisfaction: Rate


def weekly_rates(
    session: Session,
    community: str,
    start: datetime,
    end: datetime,
    policy: Policy,
    now: datetime,
) -> Rates:
    """The three rates of ``community`` over ``[start, end)``, counted at ``now``."""
    return Rates(
        response=_response(session, community, start, end, policy, now),
        resolution=_resolution(session, community, start, end, now),
        satisfaction=_satisfaction(session, community, start, end),
    )


def rates_of(
    session: Session,
    codes: Sequence[str],
    start: datetime,
    end: datetime,
    policy: Policy,
    now: datetime,
) -> Rates:
    """The three rates over several communities: hits and totals added up."""
    parts = [weekly_rates(session, code, start, end, policy, now) for code in codes]

    def total(pick: str) -> Rate:
        rates: list[Rate] = [getattr(r, pick) for r in parts]
        return Rate(sum(r.hits for r in rates), sum(r.total for r in rates))

    return Rates(total("response"), total("resolution"), total("satisfaction"))


def _response(
    session: Session,
    community: str,
    start: datetime,
    end: datetime,
    policy: Policy,
    now: datetime,
) -> Rate:
    tickets = digest_queries.filed_for_response(session, community, start, end)
    first = digest_queries.first_response_at(session, community, start, end, RESPONSE_EVENTS)
    tz = zone_of(now)
    hits = total = 0
    for t in tickets:
        deadline = respond_by(t, policy, tz)
        if deadline is None:  # small and urgent tickets have one; no other is counted
            continue
        answers = [a for a in (t.acknowledged_at, first.get(t.id or 0)) if a is not None]
        if answers and min(answers) <= now:
            total += 1
            hits += min(answers) <= deadline
        elif deadline <= now:
            total += 1  # the deadline passed unanswered: a miss
    return Rate(hits, total)


def _resolution(
    session: Session, community: str, start: datetime, end: datetime, now: datetime
) -> Rate:
    rows = digest_queries.deadlines_in(session, community, start, end)
    hits = total = 0
    for state, resolved_at, due_at in rows:
        if due_at is None:  # the query asks for a deadline
            continue
        on_time = (
            state in ("resolved", "closed") and resolved_at is not None and resolved_at <= due_at
        )
        settled = resolved_at if on_time and resolved_at is not None else due_at
        if start <= settled < end and settled <= now:
            total += 1
            hits += on_time
    return Rate(hits, total)


def _satisfaction(session: Session, community: str, start: datetime, end: datetime) -> Rate:
    rows = digest_queries.ratings_in(session, community, start, end)
    return Rate(sum(1 for to_state in rows if to_state == "closed"), len(rows))
