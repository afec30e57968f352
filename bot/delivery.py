"""Outbox delivery: the one place that sends, with retry and backoff on failure."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.channels.base import Channel
from storage import outbox
from storage.db import Database
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=10)


class OutboxSender:
    """Delivers due outbox rows through the channel; a failed row is retried later."""

    def __init__(
        self, db: Database, channel: Channel, clock: Callable[[], datetime], batch: int = 100
    ) -> None:
        self._db = db
        self._channel = channel
        self._clock = clock
        self._batch = batch
        # One flush at a time, so the periodic loop and a wake-up never send a row twice.
        self._lock = asyncio.Lock()

    async def flush(self) -> int:
        """Send every row that is due now; return how many were delivered."""
        async with self._lock:
            sent = 0
            while True:
                rows = await asyncio.to_thread(self._due)
                if not rows:
                    return sent
                delivered = 0
                for row in rows:
                    delivered += await self._deliver(row)
                sent += delivered
                if delivered == 0:
                    return sent

    def _due(self) -> list[OutboxMessage]:
        with self._db.session() as session:
            return outbox.due(session, self._clock(), limit=self._batch)

    async def _deliver(self, row: OutboxMessage) -> int:
        assert row.id is not None
        try:
            if row.room_id:
                await self._channel.say(row.room_id, row.text, outbox.mention_list(row))
            elif row.to_id:
                await self._channel.say_private(row.to_id, row.text)
        except Exception as exc:
            delay = min(timedelta(seconds=2 ** min(row.attempts + 1, 10)), MAX_BACKOFF)
            log.warning("sending outbox row %s failed (%s); retry in %s", row.id, exc, delay)
            await asyncio.to_thread(self._mark, row.id, str(exc)[:500], delay)
            return 0
        await asyncio.to_thread(self._mark, row.id, None, None)
        return 1

    def _mark(self, row_id: int, error: str | None, delay: timedelta | None) -> None:
        with self._db.session() as session:
            now = self._clock()
            if error is None or delay is None:
                outbox.mark_delivered(session, row_id, now)
            else:
                outbox.mark_failed(session, row_id, error, now + delay)
            session.commit()

    async def run(self, interval: float = 2.0) -> None:
        """Flush forever, every ``interval`` seconds, so retries go out without new traffic."""
        while True:
            try:
                await self.flush()
            except Exception:
                log.exception("outbox flush failed; trying again")
            await asyncio.sleep(interval)
