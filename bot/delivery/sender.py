"""The outbox sender: the one place that sends, with limits, splitting, merging and retries.

Exactly once, as far as the chat network allows: rows are claimed (storage.outbox_send.claim,
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, under the leadership term) before they are sent;
each part is recorded in the send journal (storage.sendlog) as begun before it is handed to
the channel and as done the instant the channel returns, with no ``await`` in between, and
only then marked in the outbox in its own transaction: one for every message of a batch, after
its last send and before the next batch is read (a message waits for no commit of the one
before it). After a crash, :meth:`recover` marks
what the journal saw done and resends only the parts whose send is unknown (begun, never
done: the process died while the network had them) — the one way a part can go out twice.
Nothing is dropped unseen: a row that cannot go now (rate limit, quiet hours, a failed room
waiting for its retry) stays pending; one whose recipient refuses it every time becomes a dead
letter (bot/delivery/deadletter.py), alerted and listed on the dashboard.

One sender per database: two processes flushing the same outbox would both send a row.
``may_send`` is the leadership fence (bot/leader.py): it is asked before every part, so a
process that lost the lease stops at once, even in the middle of a batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol

from bot.channels.base import Channel, channel_status, is_rate_limited, text_limit
from bot.config_sections import DeliverySettings
from bot.delivery.deadletter import DeadLetter, DeadLetterListener, Strikes
from bot.delivery.first import FirstBatch
from bot.delivery.plan import Outgoing, plan
from bot.delivery.ratelimit import RateLimits
from bot.delivery.rows import COMPLETE, Deferral, OutboxRows
from bot.delivery.split import next_part
from handlers.policy import FollowUpRules
from storage.db import Database
from storage.outbox_send import Claimant, DueRow
from storage.sendlog import SendJournal

log = logging.getLogger(__name__)


class DeliveryObserver(Protocol):
    """Told of each delivered message and each failed attempt (the metrics)."""

    def delivered(self, message: Outgoing, now: datetime) -> None:
        """``message`` (one or more merged rows) went out."""
        ...

    def failed(self) -> None:
        """A send attempt failed."""
        ...


class Sent(Enum):
    """How sending one message ended."""

    DONE = "done"
    LIMITED = "limited"  # a rate limit stopped it (maybe part-way; progress is saved)
    FAILED = "failed"


class OutboxSender(OutboxRows):
    """Delivers due outbox rows through the channel; a failed row is retried later.

    Without ``delivery`` settings the sender does not rate-limit (the test bot); the app always
    passes the configured ones, which apply unless the channel opts out (the console).
    Without ``quiet`` rules no follow-up waits for the morning.
    """

    def __init__(
        self,
        db: Database,
        channel: Channel,
        clock: Callable[[], datetime],
        batch: int = 100,
        *,
        delivery: DeliverySettings | None = None,
        quiet: FollowUpRules | None = None,
        may_send: Callable[[], bool] | None = None,
        observer: DeliveryObserver | None = None,
        claimant: Callable[[], Claimant] | None = None,
        journal: SendJournal | None = None,
        strikes: Strikes | None = None,
    ) -> None:
        self._db = db
        self._claimant = claimant
        self.journal = journal
        self._may_send = may_send or (lambda: True)
        self.observer = observer
        self._channel = channel
        self._clock = clock
        self._batch = batch
        self._quiet = quiet
        settings = delivery or DeliverySettings()
        channel_limit = text_limit(channel)
        self.max_chars = min(settings.max_message_chars, channel_limit or 10**9)
        self.retry_cap = timedelta(minutes=settings.retry_max_minutes)
        self._limits = (
            RateLimits(
                settings.per_room_per_minute,
                settings.global_per_minute,
                settings.urgent_reserve_per_room,
                settings.urgent_reserve_global,
            )
            if delivery is not None and is_rate_limited(channel)
            else RateLimits(None, None)
        )
        # A recipient whose send failed waits for that row's retry, so later rows do not
        # overtake it (or slip between the parts of a long text).
        self._held: dict[str, datetime] = {}
        # A recipient that refuses every message is given up on (bot/delivery/deadletter.py).
        self.strikes = strikes or Strikes()
        self.on_dead_letter: DeadLetterListener | None = None
        # One flush at a time, so the periodic loop and a wake-up never send a row twice.
        self._lock = asyncio.Lock()
        # Set by close(): the run loop ends after the flush under way, and stops waiting.
        self._closing = asyncio.Event()
        # Rows sent (journal: done) and not yet marked delivered in the outbox: marked together
        # after the batch, or first thing in the next flush if that failed.
        self._unmarked: list[int] = []
        # When the last flush began (the event loop's clock), for the periodic one in run().
        self._flushed_at = float("-inf")

    async def flush(self) -> int:
        """Send what may go now; return how many outbox rows were delivered."""
        async with self._lock:
            return await self._flush(None)

    @contextlib.asynccontextmanager
    async def prepared(self) -> AsyncIterator[FirstBatch]:
        """Hold the sender for one flush whose first batch is read in a worker thread the
        caller runs anyway (bot/delivery/first.py); no other flush runs in between."""
        async with self._lock:
            # Rows sent and not yet marked would be read again: that flush marks, then reads.
            readable = not self._unmarked and self._may_send()
            readable = readable and self._limits.global_free(self._clock(), urgent=True)
            yield FirstBatch(self._due, self._clock, self._flush, readable)

    async def _flush(self, first: list[DueRow] | None) -> int:
        """:meth:`flush` under its lock; ``first``: the first batch, already read."""
        self._flushed_at = asyncio.get_running_loop().time()
        await self._settle()  # what a failed flush sent and could not mark
        delivered = 0
        skip: set[str] = set()
        while self._may_send() and self._limits.global_free(self._clock(), urgent=True):
            now = self._clock()
            if first is not None:
                rows, first = first, None
            else:
                rows = await asyncio.to_thread(self._due, now, skip)
            if not rows:
                break
            if not rows[0].urgent and not self._limits.global_free(now):
                break  # only the urgent reserve is left, and no urgent row is due
            # The quiet hours are judged on the clock after the read, not before it: the
            # console's clock can jump back into the night while a flush is reading.
            work = plan(rows, self._clock(), self._quiet, self.max_chars)
            for queue in work.queues:
                # Urgent queues come first; once only the reserve is left, the routine
                # ones are skipped (not dropped) so the loop moves past them.
                if not self._limits.global_free(self._clock(), queue[0].urgent):
                    skip.add(queue[0].key)
                    continue
                done, finished = await self._send_queue(queue)
                delivered += done
                if not finished:
                    skip.add(queue[0].key)
            # Marked before the next read, which would otherwise return them again; what
            # the quiet hours hold back is deferred in the same transaction, after the
            # sends (a reply does not wait for it), and before that read too.
            defer = None
            if work.defer_ids and work.defer_until is not None:
                defer = Deferral(work.defer_ids, work.defer_until)
            await self._settle(defer)
            # Rows delivered, deferred or skipped drop out of the next batch; a batch that
            # had room for more means there is nothing else due.
            if len(rows) < self._batch:
                break
        return delivered

    async def _send_queue(self, queue: list[Outgoing]) -> tuple[int, bool]:
        """Send one recipient's messages in order; (rows delivered, whether all went)."""
        delivered = 0
        for message in queue:
            held_until = self._held.get(message.key)
            now = self._clock()
            # A hold further off than the longest backoff means the clock was moved back.
            if held_until is not None and now < held_until <= now + self.retry_cap:
                return delivered, False
            self._held.pop(message.key, None)
            result = await self._send(message)
            if result is not Sent.DONE:
                return delivered, False
            delivered += len(message.row_ids)
        return delivered, True

    async def _send(self, message: Outgoing) -> Sent:
        """Send the parts of one message still to go, saving progress after each."""
        start = message.sent_chars
        while True:
            now = self._clock()
            if not self._may_send():
                return Sent.LIMITED  # fenced: no longer the leader; the row stays pending
            if not self._limits.free(message.key, now, message.urgent):
                return Sent.LIMITED
            part, nxt = next_part(message.text, start, self.max_chars)
            last = nxt >= len(message.text)
            # Mentions go with the first part only: people are called once, not per part.
            mentions = message.mention_ids if start == 0 else []
            journal = self.journal
            if journal is not None:
                # A part that ends the message settles every row merged into it; one that
                # does not is progress on the first row, as _mark_progress records it.
                rows = message.row_ids if last else message.row_ids[:1]
                journal.begin(rows, start, COMPLETE if last else nxt)
            try:
                if message.room_id:
                    await self._channel.say(message.room_id, part, mentions)
                elif message.to_id:
                    await self._channel.say_private(message.to_id, part)
                else:  # outbox.enqueue refuses such a row: counted as a failure if one is found
                    raise ValueError(f"outbox row(s) {message.row_ids} have no recipient")
            except Exception as exc:
                if journal is not None:
                    journal.failed(rows, start)
                if self.observer is not None:
                    self.observer.failed()
                await self._failed(message, exc)
                return Sent.FAILED
            if journal is not None:
                journal.done(rows, start)  # no await since the channel returned
            self._limits.record(message.key, now)
            self.strikes.succeeded(message.key)
            if last:
                self._unmarked.extend(message.row_ids)  # marked after the batch (_settle)
                if self.observer is not None:
                    self.observer.delivered(message, self._clock())
                return Sent.DONE
            await asyncio.to_thread(self._mark_progress, message.row_ids[0], nxt)
            start = message.sent_chars = nxt

    async def _failed(self, message: Outgoing, exc: Exception) -> None:
        up = channel_status(self._channel).logged_in
        if self.strikes.failed(message.key, channel_up=up):
            await self._give_up(message, repr(exc))
            return
        retry_at = await asyncio.to_thread(self._mark_failed, message.row_ids, repr(exc))
        self._held[message.key] = retry_at
        log.warning(
            "sending outbox row(s) %s failed (%s); retry at %s", message.row_ids, exc, retry_at
        )

    async def _give_up(self, message: Outgoing, error: str) -> None:
        """A dead letter: the rows are no longer due, the recipient's next rows may go."""
        await asyncio.to_thread(self._mark_dead, message.row_ids, error)
        self._held.pop(message.key, None)
        first = self.strikes.gave_up(message.key)
        log.error(
            "outbox row(s) %s to %s given up after %d failures in a row (%s): dead letter",
            message.row_ids,
            message.key,
            self.strikes.limit,
            error,
        )
        if self.on_dead_letter is not None:
            letter = DeadLetter(message.key, tuple(message.row_ids), message.text, error, first)
            await self.on_dead_letter(letter)

    async def _settle(self, defer: Deferral | None = None) -> None:
        """Mark the rows sent so far delivered (and defer ``defer``), in one transaction."""
        if self._unmarked or defer is not None:
            rows = list(self._unmarked)
            await asyncio.to_thread(self._mark_delivered, rows, defer)
            del self._unmarked[: len(rows)]  # marking twice is harmless; losing one is not

    async def run(self, interval: float = 2.0) -> None:
        """Flush once ``interval`` seconds passed since the last flush began, so retries and
        held rows go out, until :meth:`close`; a flush under way is finished, never cut off in
        a send. While messages arrive their own flushes read every due row: a periodic one
        beside them would only contend for the database with the next message's handling."""
        loop = asyncio.get_running_loop()
        while not self._closing.is_set():
            wait = self._flushed_at + interval - loop.time()
            if wait <= 0:
                try:
                    await self.flush()
                except Exception:
                    log.exception("outbox flush failed; trying again")
                wait = interval
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), wait)

    def close(self) -> None:
        """Make :meth:`run` return once the flush under way (if any) is finished."""
        self._closing.set()
