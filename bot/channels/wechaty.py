"""WeChat channel: wechaty and a puppet-service gateway; the only module that imports wechaty.

Each connection is a fresh ``Wechaty`` around a fresh puppet, looked after by the
:class:`~bot.watchdog.Watchdog`. We run ``Wechaty``'s start-up steps ourselves instead of
``Wechaty.start()``: that one prints and swallows errors, sleeps 60 s and restarts on its own,
and on a puppet error stops the whole event loop. Received messages go through one queue that
outlives connections, in arrival order, so nothing already received is lost by a reconnect.
Where wechaty 0.10.7 is broken we listen on the puppet itself: heartbeats (it bridges
``heart-beat``, the gateway sends ``heartbeat``), login (it ignores a second login) and room
invitations (it builds an abstract ``RoomInvitation``).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import socket
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from datetime import time as dt_time
from typing import TYPE_CHECKING, TextIO

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.channels import wechaty_compat
from bot.channels.base import InboundCallback, Notify
from bot.channels.wechaty_events import EventMapper
from bot.channels.wechaty_hooks import ChannelHooks
from bot.channels.wechaty_session import Session, sent_once, track_sends
from bot.config import Settings
from bot.watchdog import StallCheck, Wait, Watchdog, WatchdogTimes, wait_or_timeout
from handlers.errors import masked_id
from handlers.events import Reply

if TYPE_CHECKING:
    from wechaty import Wechaty
    from wechaty_puppet import Puppet

log = logging.getLogger(__name__)

PuppetFactory = Callable[[], "Puppet | Awaitable[Puppet]"]


def load_wechaty() -> None:
    """Patch wechaty (:func:`wechaty_compat.apply`) and import it; safe to call more than once.

    Importing this module does neither (no process-wide change on import): a channel does it
    when it is made, so a broken install fails there, not at the first connection.
    """
    wechaty_compat.apply()
    import wechaty  # noqa: F401


def within(moment: dt_time, start: dt_time, end: dt_time) -> bool:
    """Whether a time of day falls in [start, end); a window past midnight wraps."""
    return start <= moment < end if start <= end else moment >= start or moment < end


def reset_pools() -> None:
    """Forget wechaty's process-wide Room/Contact caches (bound to the previous puppet)."""
    load_wechaty()
    from wechaty import Contact, Room

    Room._pool.clear()
    Contact._pool.clear()


def free_port() -> int:
    """A free local TCP port for wechaty's plugin web server (it only checks the port)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def service_puppet(settings: Settings) -> PuppetFactory:
    """Puppets that talk to the configured puppet-service gateway over gRPC."""

    async def make() -> Puppet:
        from wechaty_puppet.schemas.puppet import PuppetOptions
        from wechaty_puppet_service import PuppetService
        from wechaty_puppet_service.utils import ping_endpoint

        # It warns about "two tokens" whenever config and environment agree (ours reads both).
        logging.getLogger("PuppetService").setLevel(logging.ERROR)

        endpoint = settings.puppet_service_endpoint or None
        # PuppetService pings the gateway with a blocking socket call; a dead gateway is
        # found out here, off the event loop, before it could stall the bot for seconds.
        if endpoint and not await asyncio.to_thread(ping_endpoint, endpoint):
            raise ConnectionError(f"gateway {endpoint} does not answer")
        options = PuppetOptions(token=settings.puppet_service_token, end_point=endpoint)
        return PuppetService(options)

    return make


class WechatyChannel(ChannelHooks):
    """WeChat groups and private chats through wechaty; reconnects by itself."""

    name = "wechat"
    real = True  # a real chat network: no time travel while it is connected
    # Long texts are split by the outbox sender; this keeps each part well within one message.
    max_text_chars = 2000

    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], datetime],
        puppet_factory: PuppetFactory | None = None,
        *,
        times: WatchdogTimes | None = None,
        offline_notice_seconds: float | None = None,
        out: TextIO | None = None,
        now: Callable[[], float] = time.monotonic,
        wait: Wait = wait_or_timeout,
    ) -> None:
        """``now`` and ``wait`` are the connection clock, shared with the watchdog."""
        load_wechaty()
        w = settings.wechat
        self._factory = puppet_factory or service_puppet(settings)
        self._times = times or WatchdogTimes(
            quiet=w.watchdog_seconds, backoff_max=w.reconnect_max_seconds
        )
        self._tz = settings.tz
        self._now = now
        self.events = EventMapper(settings, clock, out or sys.stderr, now=now)
        if offline_notice_seconds is None:
            offline_notice_seconds = w.offline_notice_minutes * 60
        self.events.offline_notice_seconds = offline_notice_seconds
        self.events.notify_private = self._notify
        self.notify: Notify | None = None  # the app routes notices through its outbox
        self.on_idle: Callable[[], Awaitable[None]] | None = None  # see base.Backlogged
        self._clock = clock
        self._stall_settings = w.stall
        # Told why each connection was dropped (the app alerts on a half-dead stream).
        self.lost_listeners: list[Callable[[str], None]] = []
        self.watchdog = Watchdog(
            self._connect,
            self._times,
            on_lost=self._lost,
            now=now,
            wait=wait,
            stall=self._stall_check(),
        )
        self.events.watchdog = self.watchdog
        self.session: Session | None = None
        self.stats: Counter[str] = self.events.stats
        self._on_inbound: InboundCallback | None = None
        self._runner: asyncio.Task[None] | None = None
        self._consumer: asyncio.Task[None] | None = None
        self._closed = asyncio.Event()
        self._stopping = False
        self._born = now()  # offline since start-up until the first log-in

    async def start(self, on_inbound: InboundCallback) -> None:
        """Begin connecting (in the background) and feeding messages to ``on_inbound``."""
        self._on_inbound = on_inbound
        self._consumer = asyncio.create_task(self._consume())
        self._runner = asyncio.create_task(self.watchdog.run())

    async def wait_closed(self) -> None:
        """WeChat never ends by itself: return only after :meth:`stop`."""
        await self._closed.wait()

    async def stop(self, drain_seconds: float = 30.0) -> None:
        """Disconnect, then finish handling every message already received."""
        self._stopping = True
        await self.watchdog.stop()
        if self._runner is not None:
            try:
                await self._runner
            except Exception as exc:  # the connection is being dropped either way
                log.warning("WeChat: the watchdog ended with an error: %r", exc)
        self.events.online = False  # replies still queued wait in the outbox for next time
        try:
            await asyncio.wait_for(self.events.queue.join(), drain_seconds)
        except TimeoutError:
            log.error("WeChat: %d received messages left unhandled", self.events.queue.qsize())
        if self._consumer is not None:
            self._consumer.cancel()
            await asyncio.wait([self._consumer])
        self._closed.set()

    async def say(self, room_id: str, text: str, mention_ids: Sequence[str] = ()) -> None:
        """Post in a room with real @-mentions; raise when it was not sent (the outbox retries)."""
        bot = self._online_bot()
        room = bot.Room.load(room_id)
        await room.ready()
        mentions = await self._known(bot, mention_ids)
        await sent_once(room.say(text, mention_ids=mentions or None))

    async def say_private(self, contact_id: str, text: str) -> None:
        """Send privately; raise when it was not sent (the outbox retries)."""
        contact = self._online_bot().Contact.load(contact_id)
        await contact.ready()
        await sent_once(contact.say(text))

    def _stall_check(self) -> StallCheck | None:
        """Half-dead stream detection from ``[wechat] stall_minutes`` (0: off)."""
        stall = self._stall_settings
        if stall.minutes <= 0:
            return None
        return StallCheck(
            seconds=stall.minutes * 60,
            active=lambda: within(self._clock().time(), stall.active_from, stall.active_until),
            self_test=self._self_test if stall.self_test_room else None,
            echo_seconds=stall.echo_seconds,
        )

    async def _self_test(self) -> None:
        """Post a short line in the test room; it must come back as a message event."""
        bot = self._online_bot()
        room = bot.Room.load(self._stall_settings.self_test_room)
        await room.ready()
        await sent_once(room.say(f"【自检】连接检查 {self._clock():%H:%M}，无需回复"))

    def _online_bot(self) -> Wechaty:
        if self.session is None or not self.events.online:
            raise ConnectionError("WeChat is not connected")
        return self.session.bot

    async def _known(self, bot: Wechaty, ids: Sequence[str]) -> list[str]:
        """The mention ids WeChat knows; an unknown one would fail the whole message forever."""
        known = []
        for contact_id in ids:
            try:
                await bot.Contact.load(contact_id).ready()
                known.append(contact_id)
            except Exception:
                log.warning("WeChat: cannot mention unknown contact %s", contact_id)
        return known

    async def _notify(self, replies: Sequence[Reply]) -> None:
        if self.notify is not None:
            await self.notify(replies)
            return
        for reply in replies:
            if reply.to_id:
                try:
                    await self.say_private(reply.to_id, reply.text)
                except Exception as exc:  # no outbox to retry from: the notice is lost, said
                    log.warning(
                        "WeChat: a notice to %s was not sent: %r", masked_id(reply.to_id), exc
                    )

    async def _connect(self) -> Session:
        """Open a new connection (a Watchdog ``connect``); its stream runs in a task."""
        # Imported here, not at the top: the constructor's load_wechaty() patched wechaty first.
        from wechaty import Wechaty, WechatyOptions
        from wechaty_puppet.schemas.puppet import PuppetOptions

        made = self._factory()
        puppet: Puppet = await made if inspect.isawaitable(made) else made
        reset_pools()  # pooled rooms and contacts would still talk to the old puppet
        track_sends(puppet)
        scheduler = AsyncIOScheduler(timezone=self._tz)
        options = WechatyOptions(
            puppet=puppet,
            puppet_options=PuppetOptions(),
            host="127.0.0.1",
            port=free_port(),
            scheduler=scheduler,
        )
        bot = Wechaty(options)
        session = Session(bot, puppet, scheduler)
        await bot.init_puppet()
        await bot.init_puppet_event_bridge(bot.puppet)
        self.events.attach(session.bot, session.puppet)
        self.session = session
        session.task = asyncio.create_task(self._stream(session))
        return session

    async def _stream(self, session: Session) -> None:
        """Run the puppet's event stream; when it ends, the connection is gone."""
        started = self._now()
        try:
            await session.puppet.start()
            reason = "event stream ended"
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            reason = f"puppet error: {exc or type(exc).__name__}"
        if session is self.session and not self._stopping:
            log.info("WeChat: stream ended after %.1fs", self._now() - started)
            self.watchdog.fail(reason)


__all__ = ["Session", "WechatyChannel", "reset_pools", "service_puppet"]
