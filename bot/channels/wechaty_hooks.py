"""What the WeChat channel offers the app: received messages in order, backlog, status, hooks.

No wechaty import: the channel in ``bot/channels/wechaty.py`` holds the connection, and this
mixin hands the app what its :class:`~bot.channels.wechaty_events.EventMapper` queued.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence

from bot.channels.base import ChannelStatus, InboundCallback
from bot.channels.wechaty_events import EventMapper
from bot.watchdog import Watchdog
from handlers.errors import CHANNEL, FailureSink

log = logging.getLogger("bot.channels.wechaty")  # the logger its code had before the split


class ChannelHooks:
    """The :class:`~bot.channels.wechaty.WechatyChannel`'s side facing the app (a mixin)."""

    name: str
    events: EventMapper
    stats: Counter[str]
    watchdog: Watchdog
    on_idle: Callable[[], Awaitable[None]] | None
    lost_listeners: list[Callable[[str], None]]
    _on_inbound: InboundCallback | None
    _now: Callable[[], float]
    _born: float

    @property
    def errors(self) -> FailureSink | None:
        """The error hook a message that could not be read or handled is kept by."""
        return self.events.errors

    @errors.setter
    def errors(self, hook: FailureSink | None) -> None:
        self.events.errors = hook

    def _lost(self, reason: str) -> None:
        self.events.lost(reason)
        for listener in self.lost_listeners:
            try:
                listener(reason)
            except Exception:
                log.exception("WeChat: a connection-lost listener failed")

    def status(self) -> ChannelStatus:
        """Logged in or not, since when, and how long since the gateway last said anything."""
        events, now = self.events, self._now()
        offline = None
        if not events.online:
            since = events.offline_since if events.offline_since is not None else self._born
            offline = max(0.0, now - since)
        return ChannelStatus(
            kind=self.name,
            logged_in=events.online,
            needs_scan=events.needs_scan,
            offline_seconds=offline,
            last_event_age_s=max(0.0, now - self.watchdog.last_sign),
        )

    @property
    def secretaries(self) -> Callable[[], Sequence[str]] | None:
        """Where the secretaries come from (the app sets the database's; see SelfReporting)."""
        return self.events.secretaries_source

    @secretaries.setter
    def secretaries(self, source: Callable[[], Sequence[str]] | None) -> None:
        self.events.secretaries_source = source

    async def _consume(self) -> None:
        """Hand received messages to the bot one by one, in the order they arrived."""
        queue = self.events.queue
        while True:
            pending = await queue.get()
            inbound = None
            try:
                inbound = await pending
                if inbound is not None and self._on_inbound is not None:
                    await self._on_inbound(inbound)
                    self.stats["handled"] += 1
            except Exception as exc:  # the error hook: logged with context and kept
                if inbound is None or self.events.errors is None:
                    log.exception("WeChat: could not handle a received message")
                else:
                    await asyncio.to_thread(self.events.errors, inbound, exc, stage=CHANNEL)
            finally:
                if queue.empty() and self.on_idle is not None:
                    await self._idle()  # before task_done: stop() waits for it, never cuts it
                queue.task_done()

    def backlog(self) -> int:
        """How many received events wait to be handed to the bot (see base.Backlogged)."""
        return self.events.queue.qsize()

    async def _idle(self) -> None:
        if self.on_idle is None:
            return
        try:
            await self.on_idle()
        except Exception:  # what was held back stays in the outbox for the sender loop
            log.exception("WeChat: sending the replies held back during a backlog failed")
