"""Composition root: builds the database, understanding, dispatcher, channel and sender."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from bot.channels.base import Channel
from bot.config import Settings
from bot.delivery import OutboxSender
from handlers.commands.handler import CommandHandler
from handlers.context import Classifier, Services
from handlers.dispatcher import Dispatcher
from handlers.events import Inbound
from handlers.help import HelpHandler
from handlers.intake import IntakeHandler
from handlers.understanding import Understanding
from storage.db import Database, redact_url
from storage.directory import sync_directory
from storage.models import Community, Group, Member

log = logging.getLogger(__name__)


def system_clock(settings: Settings) -> Callable[[], datetime]:
    """The real clock in the configured time zone."""
    tz = settings.tz
    return lambda: datetime.now(tz)


def directory_rows(settings: Settings) -> tuple[list[Community], list[Group], list[Member]]:
    """The config's communities, groups and members as storage rows."""
    communities, groups, members = [], [], []
    for c in settings.communities:
        communities.append(Community(code=c.code, name=c.name, district=settings.district))
        groups.extend(
            Group(
                room_id=g.room_id, topic=g.topic, kind=g.kind, community_code=c.code, grid=g.grid
            )
            for g in c.groups
        )
        members.extend(
            Member(contact_id=m.id, name=m.name, role=m.role, community_code=c.code, grid=m.grid)
            for m in c.members
        )
    return communities, groups, members


def open_database(settings: Settings) -> Database:
    """Open the configured database, bring its schema up to date and load the directory."""
    db = Database(settings.database_url)
    db.upgrade()
    with db.session() as session:
        sync_directory(session, *directory_rows(settings))
        session.commit()
    return db


def build_dispatcher(
    settings: Settings, db: Database, clock: Callable[[], datetime], nlp: Classifier
) -> Dispatcher:
    """The dispatcher with every feature handler, in the order they are asked."""
    services = Services(
        clock=clock,
        nlp=nlp,
        bot_name=settings.bot_name,
        max_text_chars=settings.max_text_chars,
        policy=settings.policy,
    )
    return Dispatcher(db, services, [CommandHandler(), HelpHandler(), IntakeHandler()])


class App:
    """The running bot: start/stop lifecycle around one channel."""

    def __init__(
        self,
        settings: Settings,
        channel: Channel,
        clock: Callable[[], datetime] | None = None,
        nlp: Understanding | None = None,
    ) -> None:
        self.settings = settings
        self.channel = channel
        self.clock = clock or system_clock(settings)
        self.nlp = nlp or Understanding.load(settings.lexicon_files, settings.user_words)
        self.db = open_database(settings)
        self.dispatcher = build_dispatcher(settings, self.db, self.clock, self.nlp)
        self.sender = OutboxSender(
            self.db, channel, self.clock, delivery=settings.delivery, quiet=settings.followups
        )
        self._sender_task: asyncio.Task[None] | None = None

    async def on_inbound(self, event: Inbound) -> None:
        """Handle one received message and send what it produced."""
        await self.dispatcher.process(event)
        await self.sender.flush()

    async def start(self) -> None:
        """Deliver what is pending from before, then connect the channel."""
        log.info("database: %s", redact_url(self.settings.database_url))
        await self.sender.flush()
        self._sender_task = asyncio.create_task(self.sender.run())
        await self.channel.start(self.on_inbound)

    async def stop(self) -> None:
        """Disconnect, deliver what is left, and close the database."""
        await self.channel.stop()
        if self._sender_task is not None:
            self._sender_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender_task
        await self.sender.flush()
        self.db.dispose()

    async def run(self) -> None:
        """Run until the channel ends (end of console input) or the task is cancelled."""
        await self.start()
        try:
            await self.channel.wait_closed()
        finally:
            await self.stop()
