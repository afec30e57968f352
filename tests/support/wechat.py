"""The whole bot (the real App) on the WeChat channel, over the in-memory puppet.

People and groups come from the demo config; a line is said by display name in a group named
by its topic, and what the bot sent comes back rendered like the console:
``[topic] @name text`` (Room.say itself writes the ``@name`` part) or ``[私聊→name] text``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.channels.wechaty import WechatyChannel, reset_pools
from bot.config import load_settings
from bot.config_sections import DeliverySettings
from bot.watchdog import WatchdogTimes, wait_or_timeout
from tests.support.db import POSTGRES_SKIP_REASON, postgres_db, postgres_url
from tests.support.harness import EXAMPLE_CONFIG, FakeClock, shared_nlp
from tests.support.manual_time import ManualTime
from tests.support.puppet import BOT_ID, InMemoryPuppet, Sent

# A patient watchdog for the flows (a slow CI machine must not cause a reconnect), and a
# quick one for the tests of reconnection itself.
STEADY = WatchdogTimes(quiet=30.0, backoff_first=0.02, backoff_max=0.1, close_timeout=1.0)
FAST = WatchdogTimes(quiet=1.0, backoff_first=0.02, backoff_max=0.1, close_timeout=1.0)


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``condition()`` holds; fail the test after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        await asyncio.sleep(0.005)


class WeChatBot:
    """App + WechatyChannel + InMemoryPuppet, with helpers to talk as the demo people."""

    def __init__(
        self,
        tmp_path: Path,
        database_url: str | None = None,
        *,
        times: WatchdogTimes = STEADY,
        offline_notice_seconds: float = 3600.0,
        manual: ManualTime | None = None,
    ) -> None:
        """A bot on ``tmp_path``; with ``manual``, the connection's clock is moved by hand."""
        settings = load_settings(
            EXAMPLE_CONFIG,
            env={"LIUFANG_DATABASE_URL": database_url or f"sqlite:///{tmp_path / 'bot.db'}"},
        )
        # The rate limits protect a real account; these tests check behaviour, not pacing.
        settings = dataclasses.replace(
            settings,
            delivery=DeliverySettings(per_room_per_minute=10_000, global_per_minute=10_000),
            wechat=dataclasses.replace(settings.wechat, media_dir=tmp_path / "media"),
        )
        self.settings = settings
        self.puppet = InMemoryPuppet(bot_name=settings.bot_name)
        self.ids: dict[str, str] = {}
        self.rooms: dict[str, str] = {}
        for community in settings.communities:
            member_ids = [m.id for m in community.members]
            for m in community.members:
                self.puppet.add_contact(m.id, m.name)
                self.ids.setdefault(m.name, m.id)
            for g in community.groups:
                self.puppet.add_room(g.room_id, g.topic, member_ids)
                self.rooms[g.topic] = g.room_id
        self.clock = FakeClock()
        self.out = io.StringIO()
        self.channel = WechatyChannel(
            settings,
            self.clock,
            lambda: self.puppet,
            times=times,
            offline_notice_seconds=offline_notice_seconds,
            out=self.out,
            now=manual or time.monotonic,
            wait=wait_or_timeout if manual is None else manual.wait,
        )
        self.app = App(settings, self.channel, clock=self.clock, nlp=shared_nlp())

    async def start(self) -> None:
        """Start the app, wait for the log-in, let start-up messages (digests) go out."""
        reset_pools()
        await self.app.start()
        await until(lambda: self.channel.events.online)
        # Rows queued before the log-in failed once and wait for their retry.
        self.clock.advance(seconds=10)
        await self.app.sender.flush()
        self.puppet.sent.clear()

    async def stop(self) -> None:
        """Stop the app and forget wechaty's process-wide caches."""
        await self.app.stop()
        reset_pools()

    def person(self, name: str, room_topic: str | None = None) -> str:
        """The contact id of a demo member, or a new resident with that name."""
        if name not in self.ids:
            contact_id = f"wxid_resident_{len(self.ids)}"
            self.puppet.add_contact(contact_id, name)
            self.ids[name] = contact_id
        contact_id = self.ids[name]
        if room_topic in self.rooms:
            room = self.puppet.rooms[self.rooms[room_topic]]
            if contact_id not in room.member_ids:
                room.member_ids.append(contact_id)
        return contact_id

    def add_group(self, topic: str, names: Sequence[str] = ()) -> str:
        """A WeChat group the config does not know (unbound)."""
        room_id = f"{len(self.rooms)}@chatroom"
        self.puppet.add_room(room_id, topic, [self.person(n) for n in names])
        self.rooms[topic] = room_id
        return room_id

    async def say(
        self, topic: str | None, name: str, text: str, *, mentions: Sequence[str] = ()
    ) -> list[str]:
        """``name`` says ``text`` in group ``topic`` (privately when None); what the bot sent."""
        mention_ids = [BOT_ID if m == "bot" else self.person(m) for m in mentions]
        room_id, talker = (self.rooms[topic] if topic else None), self.person(name, topic)
        return await self.after(
            lambda: self.puppet.say(room_id, talker, text, mention_ids=mention_ids)
        )

    async def after(self, act: Callable[[], object], events: int = 1) -> list[str]:
        """Do ``act`` (which makes ``events`` events reach the channel); what the bot sent."""
        start, target = len(self.puppet.sent), self.channel.stats["received"] + events
        act()
        await self.settle(target)
        return [self.render(s) for s in self.puppet.sent[start:]]

    async def settle(self, received: int | None = None) -> None:
        """Wait until the channel received ``received`` events and handled all of them."""
        if received is not None:
            await until(lambda: self.channel.stats["received"] >= received)
        await asyncio.wait_for(self.channel.events.queue.join(), 5)
        await self.app.sender.flush()

    def render(self, sent: Sent) -> str:
        """A sent message as the console would print it."""
        for topic, room_id in self.rooms.items():
            if room_id == sent.conversation_id:
                return f"[{topic}] {sent.text}"
        names = {v: k for k, v in self.ids.items()}
        return f"[私聊→{names.get(sent.conversation_id, sent.conversation_id)}] {sent.text}"

    def sent_to(self, topic: str) -> list[Sent]:
        """Every message sent to group ``topic``."""
        return [s for s in self.puppet.sent if s.conversation_id == self.rooms[topic]]


@asynccontextmanager
async def running_bot(
    tmp_path: Path, backend: str = "sqlite", **options: Any
) -> AsyncIterator[WeChatBot]:
    """A started WeChatBot on ``backend`` (sqlite, or postgres when a server is configured)."""
    with ExitStack() as stack:
        url = None
        if backend == "postgres":
            base = postgres_url()
            if base is None:
                pytest.skip(POSTGRES_SKIP_REASON)
            url = stack.enter_context(postgres_db(base, upgrade=False)).url
        bot = WeChatBot(tmp_path, url, **options)
        await bot.start()
        try:
            yield bot
        finally:
            await bot.stop()
