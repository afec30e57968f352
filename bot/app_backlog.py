"""Received messages while a backlog waits: handled first, their replies sent in one flush."""

from __future__ import annotations

from collections.abc import Callable

from bot.delivery import OutboxSender
from bot.metrics import Metrics
from handlers.dispatcher import Dispatcher
from handlers.events import Inbound

# While received messages wait, at most this many are handled before their replies are sent.
HOLD_BACK_MAX = 20


class HoldBack:
    """The :class:`~bot.app.App`'s handling of received messages (a mixin)."""

    dispatcher: Dispatcher
    metrics: Metrics
    sender: OutboxSender
    _held_back: int  # messages handled whose replies wait for the backlog's end
    _backlog: Callable[[], int] | None  # the channel's backlog(), if it is Backlogged

    async def on_inbound(self, event: Inbound) -> None:
        """Handle one received message and send what it produced (or have it sent)."""
        self.metrics.messages_in.labels(kind=event.kind).inc()
        # The sender is held from the handling to the sends: its first read runs in the
        # dispatcher's thread right after the commit, saving a hop to a thread and back.
        async with self.sender.prepared() as first:
            read = None if self._hold_back() else first.read  # no read that would wait
            await self.dispatcher.process(event, then=read)
            if read is None and self._hold_back():
                # More messages waited when this one came up: handle them first and send all
                # their replies in one flush (channel.on_idle), rather than one flush each
                # while the backlog grows. Sending runs between messages, never beside one:
                # a flush beside a dispatcher thread slowed both (the GIL and SQLite's busy
                # wait). A message that came up with none waiting had its replies read with
                # its handling: they go now, even if another message arrived meanwhile. Held
                # back, they waited for that one's whole handling (the tail of WeChat
                # latency), while sending what was read costs it only the sends.
                self._held_back += 1
                return
            self._held_back = 0
            await first.flush()

    def _hold_back(self) -> bool:
        """Whether a message handled now has its replies held back (see on_inbound)."""
        backlog = self._backlog
        return backlog is not None and self._held_back < HOLD_BACK_MAX and backlog() > 0

    async def _send_received(self) -> None:
        """Send what the received messages produced, including any held back."""
        self._held_back = 0
        await self.sender.flush()

    async def _send_held_back(self) -> None:
        """The channel has no message waiting: send the replies held back, if any."""
        if self._held_back:
            await self._send_received()
