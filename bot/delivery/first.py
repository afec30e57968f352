"""A flush whose first batch is read in a worker thread the caller already runs.

A received message is handled in a worker thread, and its reply is sent right after: read in
a thread of its own, that reply's first batch would cost a second hop to a thread and back
(~0.2 ms each way) on the way of every reply. :meth:`OutboxSender.prepared
<bot.delivery.sender.OutboxSender.prepared>` holds the sender's lock from the read to the
sends, so no other flush can take the rows in between.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from storage.outbox_send import DueRow

log = logging.getLogger("bot.delivery.sender")


class FirstBatch:
    """The first batch of one flush: :meth:`read` in a worker thread, then :meth:`flush`."""

    def __init__(
        self,
        due: Callable[[datetime, set[str]], list[DueRow]],
        clock: Callable[[], datetime],
        flush: Callable[[list[DueRow] | None], Awaitable[int]],
        readable: bool,
    ) -> None:
        """``readable``: whether the flush could read now (it may not send, or must mark
        first); if not, :meth:`read` reads nothing and :meth:`flush` reads as usual."""
        self._due = due
        self._clock = clock
        self._flush = flush
        self._readable = readable
        self.rows: list[DueRow] | None = None

    def read(self) -> None:
        """Read (claim) the first batch; call in a worker thread, after the commit of what it
        should see. A failure is left for :meth:`flush`, which then reads again itself."""
        if not self._readable:
            return
        try:
            self.rows = self._due(self._clock(), set())
        except Exception:  # not the message's failure: the flush reads again, and says so
            log.warning("outbox: reading the first batch failed", exc_info=True)

    async def flush(self) -> int:
        """Send what may go now, starting with the batch read; how many rows were delivered."""
        rows, self.rows = self.rows, None
        return await self._flush(rows)
