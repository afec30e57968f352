"""The sweep: run every follow-up that is due, in bulk, in one transaction per batch.

The database is the source of truth for what is due (``followups`` rows), so a restart loses
nothing: the first sweep after start-up runs whatever fell due meanwhile. A batch handler gets
all due rows of its kind at once and loads what it needs with a few queries, never one per
ticket.
"""

from __future__ import annotations

import gc
import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlmodel import Session

from handlers.context import Services
from handlers.events import Reply
from handlers.followups.notify import People
from storage import followups, outbox
from storage.db import Database
from storage.followups import DueRow
from storage.ticket_rows import shared_rows

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SweepContext:
    """What a batch handler is given: the session, the services and the sweep's time."""

    session: Session
    services: Services
    now: datetime
    communities: frozenset[str] = frozenset()  # of the batch's follow-ups
    _people: dict[frozenset[str], People] = field(default_factory=dict, repr=False)
    # The same moment in UTC, for arithmetic with stored (UTC) times: CPython compares or
    # subtracts two times of one zone field by field, across zones it asks both for offsets.
    now_utc: datetime = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.now_utc = self.now.astimezone(UTC)

    def people(self, communities: Collection[str]) -> People:
        """:class:`People` of these communities, loaded once per batch: the batch's, when
        they are among them (a People answers each community alike, whichever others it
        holds), and the directory does not change during a sweep."""
        key = frozenset(communities)
        if key <= self.communities:
            key = self.communities
        found = self._people.get(key)
        if found is None:
            found = self._people[key] = People(self.session, set(key))
        return found


BatchHandler = Callable[[SweepContext, Sequence[DueRow]], list[Reply]]
Planner = Callable[[Session, Collection[int], datetime, Services], None]


def enqueue_replies(session: Session, replies: Sequence[Reply], now: datetime) -> None:
    """Write replies to the outbox (the one place every message goes through)."""
    queued = [
        outbox.Queued(
            room_id=r.room_id,
            to_id=r.to_id,
            text=r.text,
            mention_ids=r.mention_ids,
            kind="followup" if r.followup else "reply",
            urgent=r.urgent,
        )
        for r in replies
    ]
    outbox.enqueue_many(session, queued, now)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: a batch builds tens of thousands of rows, tuples
    and texts, none of them in a cycle, which set off a collection every 700 (68 in a
    5,000-row batch, 6% of its CPU time) walking the batch's live rows again and again.
    What cycles the batch leaves are collected after it; a batch is at most ``batch`` rows."""
    if not gc.isenabled():  # paused already (a caller's own pause, or a test's)
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class FollowUpEngine:
    """Runs due follow-ups through the handler registered for their kind."""

    def __init__(
        self,
        db: Database,
        services: Services,
        kinds: Mapping[str, BatchHandler],
        planner: Planner | None = None,
        batch: int = 10_000,
    ) -> None:
        self._db = db
        self._services = services
        self._kinds = dict(kinds)
        self._planner = planner
        self._batch = batch

    def sweep(self) -> int:
        """Run everything due now; returns how many follow-ups ran."""
        total = 0
        while True:
            ran = self._sweep_batch()
            total += ran
            if ran < self._batch:
                return total

    def _sweep_batch(self) -> int:
        now = self._services.clock()
        # Each ticket is read once per batch, by whichever handler or the re-planning asks first.
        with _collector_paused(), self._db.session() as session, shared_rows(session):
            rows = followups.due(session, now, self._batch)
            if not rows:
                return 0
            by_kind: dict[str, list[DueRow]] = defaultdict(list)
            for row in rows:
                by_kind[row.kind].append(row)
            communities = frozenset(row.community_code for row in rows)
            ctx = SweepContext(session, self._services, now, communities)
            replies: list[Reply] = []
            skipped: list[int] = []
            for kind, batch in by_kind.items():
                handler = self._kinds.get(kind)
                if handler is None:
                    log.error("no handler for follow-up kind %r; skipping %d", kind, len(batch))
                    skipped.extend(r.id for r in batch)
                    continue
                replies.extend(handler(ctx, batch))
            skipped_ids = set(skipped)
            done = [r.id for r in rows if r.id not in skipped_ids]
            followups.finish(session, done, now, "sent")
            followups.finish(session, skipped, now, "skipped")
            touched = followups.take_touched(session)
            if touched and self._planner is not None:
                self._planner(session, touched, now, self._services)
            enqueue_replies(session, replies, now)
            session.commit()
            return len(rows)
