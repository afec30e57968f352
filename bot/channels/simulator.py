"""Simulator channel: the chat of the web simulator, kept in memory, one transcript per room.

People type in a browser page (``bot/web/simulator.py``) as any member of a demo group; the
page calls :meth:`SimulatorChannel.post`, which records the message and hands an Inbound to
the bot. What the bot says lands in the same transcripts. Every message gets the next index
of one counter, so a page asks for "what came after index N" and never misses or repeats one.
A private chat with the bot is the room ``private:<contact id>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.channels.base import InboundCallback
from bot.clock import TimeTravel, TravelClock, time_command
from bot.config import Settings
from handlers.events import Inbound

PRIVATE = "private:"
KEEP = 500  # messages kept per room: a demo, not an archive


@dataclass(frozen=True, slots=True)
class SimMessage:
    """One line of a transcript: a person's message, the bot's, or a note of the simulator."""

    index: int
    room: str
    sender_id: str
    sender_name: str
    text: str
    at: datetime
    mention_ids: tuple[str, ...] = ()
    kind: str = "person"  # person | bot | system


@dataclass(frozen=True, slots=True)
class SimRoom:
    """A group of the config, as the simulator offers it."""

    room_id: str
    topic: str
    kind: str  # six_party | grid
    community: str
    grid: str | None


@dataclass(frozen=True, slots=True)
class SimMember:
    """A member of the config one can chat as."""

    contact_id: str
    name: str
    role: str
    community: str
    grid: str | None


SimDirectory = tuple[list[SimRoom], list[SimMember]]

NO_TRAVEL = "只有街道账号（管辖全部社区）可以调时间：时间是所有社区共用的。"


class SimulatorChannel:
    """An in-memory chat network for the web simulator; no WeChat account needed."""

    name = "simulator"
    rate_limited = False  # a demo must answer at once; the limits protect a WeChat account

    def __init__(self, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.bot_name = settings.bot_name
        self._config = (
            [
                SimRoom(g.room_id, g.topic, g.kind, c.code, g.grid)
                for c in settings.communities
                for g in c.groups
            ],
            [
                SimMember(m.id, m.name, m.role, c.code, m.grid)
                for c in settings.communities
                for m in c.members
            ],
        )
        # Set by the app: the database's groups and members (the directory is the database's
        # after the first start: someone added on the people page can be chatted as at once).
        self.directory: Callable[[], SimDirectory] | None = None
        self._senders: dict[str, str] = {}  # names of residents who spoke (not in the directory)
        self._clock = clock
        self._ids = itertools.count(1)
        self._run = clock().strftime("%Y%m%d%H%M%S%f")
        self._transcripts: dict[str, deque[SimMessage]] = {}
        self._changed = asyncio.Condition()
        self._closed = asyncio.Event()
        self._on_inbound: InboundCallback | None = None
        self._travel: tuple[TravelClock, TimeTravel] | None = None

    @property
    def time_travel(self) -> bool:
        """Whether ``/time`` and ``/advance`` work here."""
        return self._travel is not None

    def enable_time_travel(self, clock: TravelClock, travel: TimeTravel) -> None:
        """Let ``/time`` and ``/advance`` move ``clock``; ``travel`` runs what fell due."""
        self._travel = (clock, travel)

    def _directory(self) -> SimDirectory:
        return self._config if self.directory is None else self.directory()

    @property
    def rooms(self) -> list[SimRoom]:
        """The groups one can chat in."""
        return self._directory()[0]

    @property
    def members(self) -> list[SimMember]:
        """The members one can chat as."""
        return self._directory()[1]

    def name_of(self, contact_id: str) -> str:
        """The display name of a contact id (the id itself when unknown)."""
        names = {m.contact_id: m.name for m in self.members}
        return names.get(contact_id) or self._senders.get(contact_id, contact_id)

    async def start(self, on_inbound: InboundCallback) -> None:
        """Keep the callback: messages arrive when someone posts on the page."""
        self._on_inbound = on_inbound
        self._closed.clear()

    async def wait_closed(self) -> None:
        """Return when the channel is stopped (the simulator never ends by itself)."""
        await self._closed.wait()

    async def stop(self) -> None:
        """Refuse new messages and wake every page waiting for one."""
        self._closed.set()
        await self._notify()

    @property
    def closed(self) -> bool:
        """True once stopped."""
        return self._closed.is_set()

    async def say(self, room_id: str, text: str, mention_ids: Sequence[str] = ()) -> None:
        """The bot posts in a group."""
        await self._append(room_id, "bot", self.bot_name, text, tuple(mention_ids), "bot")

    async def say_private(self, contact_id: str, text: str) -> None:
        """The bot writes to one person."""
        await self._append(PRIVATE + contact_id, "bot", self.bot_name, text, (), "bot")

    async def post(
        self, room: str, sender_id: str, sender_name: str, text: str, may_travel: bool = True
    ) -> SimMessage:
        """A person says ``text`` in ``room`` (a group id or ``private:<id>``); the bot hears it.

        ``@bot name`` addresses the bot and is removed from what it reads; other ``@name``
        become mentions, as in WeChat. Returns once the bot has handled the message.
        ``may_travel`` false refuses ``/time`` and ``/advance`` (the clock is every
        community's: only a street-level account may move it).
        """
        if self._closed.is_set() or self._on_inbound is None:
            raise RuntimeError("the simulator is not running")
        self._senders.setdefault(sender_id, sender_name)
        mentions = self._mentions(text)
        message = await self._append(room, sender_id, sender_name, text, mentions, "person")
        if text.strip().startswith(("/time", "/advance")):
            answer = await self._time(text) if may_travel else NO_TRAVEL
            await self._append(room, "system", "模拟器", answer, (), "system")
            return message
        private = room.startswith(PRIVATE)
        at_bot = f"@{self.bot_name}"
        await self._on_inbound(
            Inbound(
                msg_id=f"sim-{self._run}-{message.index}",
                room_id=None if private else room,
                room_topic="" if private else self._topic(room),
                sender_id=sender_id,
                sender_name=sender_name,
                text=text.replace(at_bot, " ").strip() if at_bot in text else text,
                at=self._clock(),
                mentions=mentions,
                is_to_bot=private or at_bot in text,
            )
        )
        return message

    def _topic(self, room: str) -> str:
        return next((r.topic for r in self.rooms if r.room_id == room), "")

    def _mentions(self, text: str) -> tuple[str, ...]:
        ids_by_name = {m.name: m.contact_id for m in self.members}
        names = re.findall(r"@(\S+)", text)
        return tuple(ids_by_name[n] for n in names if n in ids_by_name)

    async def _time(self, line: str) -> str:
        """Carry out ``/time 2026-12-03 09:00`` or ``/advance 2h``; returns what to show."""
        if self._travel is None:
            return "本次运行不能调时间。"
        return await time_command(line, *self._travel)

    async def _append(
        self,
        room: str,
        sender_id: str,
        sender_name: str,
        text: str,
        mention_ids: tuple[str, ...],
        kind: str,
    ) -> SimMessage:
        message = SimMessage(
            next(self._ids), room, sender_id, sender_name, text, self._clock(), mention_ids, kind
        )
        self._transcripts.setdefault(room, deque(maxlen=KEEP)).append(message)
        await self._notify()
        return message

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def transcript(self, room: str, after: int = 0) -> list[SimMessage]:
        """The messages of ``room`` with an index above ``after``, oldest first."""
        return [m for m in self._transcripts.get(room, ()) if m.index > after]

    async def wait(self, room: str, after: int, timeout: float) -> list[SimMessage]:
        """Like :meth:`transcript`, but wait up to ``timeout`` s for something new (long poll)."""
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._changed.wait_for(
                        lambda: self._closed.is_set() or bool(self.transcript(room, after))
                    ),
                    timeout,
                )
        return self.transcript(room, after)
