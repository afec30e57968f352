"""The sender's outbox rows in the database: read or claim, mark, defer, recover.

Each helper runs in a thread of its own (``asyncio.to_thread``) with its own session and
transaction; :meth:`OutboxRows.recover` settles what the send journal knew before a crash.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NamedTuple

from storage import outbox, outbox_send
from storage.db import Database
from storage.driver import Driver
from storage.models import OutboxMessage
from storage.outbox_send import Claimant, DueRow
from storage.sendlog import SendJournal

log = logging.getLogger("bot.delivery.sender")  # the logger its code had before the split

FIRST_RETRY = timedelta(seconds=2)
COMPLETE = -1  # a journal part that finished its message


class Deferral(NamedTuple):
    """Rows the quiet hours hold back, and until when."""

    row_ids: list[int]
    until: datetime


def backoff(attempts: int, cap: timedelta) -> timedelta:
    """How long to wait after the attempt numbered ``attempts`` (from 0) failed."""
    # The exponent is bounded so that a row failing for days cannot overflow the delay.
    return min(FIRST_RETRY * 2 ** min(attempts, 30), cap)


class OutboxRows:
    """The database side of :class:`~bot.delivery.sender.OutboxSender` (a mixin)."""

    _db: Database
    _clock: Callable[[], datetime]
    _claimant: Callable[[], Claimant] | None
    _batch: int
    journal: SendJournal | None
    retry_cap: timedelta

    def _mark_dead(self, row_ids: list[int], error: str) -> None:
        with self._db.session() as session:
            outbox.mark_dead(session, row_ids, error, self._clock())
            session.commit()

    def _due(self, now: datetime, skip: set[str]) -> list[DueRow]:
        rooms = {k.removeprefix("room:") for k in skip if k.startswith("room:")}
        contacts = {k.removeprefix("to:") for k in skip if k.startswith("to:")}
        if self._claimant is None:
            with self._db.session() as session:
                return outbox_send.due(
                    session, now, limit=self._batch, skip_rooms=rooms, skip_contacts=contacts
                )
        # A transaction on the engine, no ORM session: the claim comes between a message's
        # commit and its reply, and a session's making and ending cost a third of it.
        with self._db.engine.begin() as conn:
            return outbox_send.claim(
                Driver(conn),
                now,
                self._claimant(),
                limit=self._batch,
                skip_rooms=rooms,
                skip_contacts=contacts,
            )

    async def recover(self) -> int:
        """Settle what the journal knows from before a crash; returns the unknown parts.

        Parts the channel accepted are marked in the outbox (never sent again); parts handed
        over without an answer are left pending, so they are sent again, and counted.
        """
        if self.journal is None:
            return 0
        return await asyncio.to_thread(self._recover)

    def _recover(self) -> int:
        journal = self.journal
        if journal is None:
            return 0
        lines = journal.pending()
        unknown = 0
        with self._db.session() as session:
            for row_id, start, end, state in lines:
                row = session.get(OutboxMessage, row_id)
                if row is None or row.delivered_at is not None or start < row.sent_chars:
                    continue  # already recorded in the outbox
                if state != "done":
                    unknown += 1
                elif end == COMPLETE:
                    outbox_send.mark_all_delivered(session, [row_id], self._clock())
                elif row.sent_chars < end <= len(row.text):
                    outbox.mark_progress(session, row_id, end)
            session.commit()
        journal.forget([line[0] for line in lines])
        if unknown:
            log.warning(
                "outbox: send unknown: %d part(s) were handed to the chat network when the last"
                " process stopped, with no answer; they are sent again",
                unknown,
            )
        return unknown

    def _mark_delivered(self, row_ids: list[int], defer: Deferral | None = None) -> None:
        """Mark sent rows delivered and hold back ``defer``'s, in one transaction."""
        # Every reply's mark: on the engine, as the claim (see _due).
        with self._db.engine.begin() as conn:
            run = Driver(conn)
            outbox_send.mark_all_delivered(run, row_ids, self._clock())
            if defer is not None:
                outbox_send.defer(run, defer.row_ids, defer.until)
        if self.journal is not None and row_ids:
            self.journal.forget(row_ids)  # the outbox knows now

    def _mark_progress(self, row_id: int, sent_chars: int) -> None:
        with self._db.session() as session:
            outbox.mark_progress(session, row_id, sent_chars)
            session.commit()

    def _mark_failed(self, row_ids: list[int], error: str) -> datetime:
        """Count the failure on every row of the message; returns when it is retried."""
        with self._db.session() as session:
            rows = [session.get(OutboxMessage, i) for i in row_ids]
            attempts = max((r.attempts for r in rows if r is not None), default=0)
            retry_at = self._clock() + backoff(attempts, self.retry_cap)
            for row_id in row_ids:
                outbox.mark_failed(session, row_id, error, retry_at)
            session.commit()
            return retry_at
