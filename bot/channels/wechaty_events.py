"""What the WeChat channel does with each wechaty event: Inbounds, sign-of-life, log-in state.

It works on the objects wechaty hands it (``Wechaty``, ``Message``, ``Room``, ``Contact``,
puppet payloads) by their methods alone, so it needs no wechaty import of its own; the channel
in ``bot/channels/wechaty.py`` creates the connection and attaches this mapper to it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from bot.channels.wechat_text import (
    KIND_BY_TYPE,
    media_path,
    offline_notice,
    qr_link,
    strip_bot_mention,
)
from bot.channels.wechaty_rooms import RoomEvents
from bot.config import Settings
from handlers.errors import CHANNEL, FailureSink
from handlers.events import Inbound, Reply

if TYPE_CHECKING:
    from bot.watchdog import Watchdog

log = logging.getLogger(__name__)

SCAN_WAITING, SCAN_TIMEOUT = 2, 5  # wechaty_puppet.ScanStatus values worth a new QR line
MEDIA_TIMEOUT = 60.0


class EventMapper(RoomEvents):
    """Turns wechaty events into Inbounds (queued in arrival order) and connection state."""

    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], datetime],
        out: TextIO,
        *,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        """``clock`` is the wall clock for texts, ``now`` the monotonic one for offline spans."""
        self._now = now
        self._bot_name = settings.bot_name
        self._clock = clock
        self._out = out
        self._media_dir = settings.wechat.media_dir
        members = [m for c in settings.communities for m in c.members]
        self._config_secretaries = tuple(
            dict.fromkeys(m.id for m in members if m.role == "secretary")
        )
        # The app reads them from the database (a secretary set in chat or on the dashboard
        # counts at once); the config's list serves a channel running without an app.
        self.secretaries_source: Callable[[], Sequence[str]] | None = None
        # Ids the config knows; others are printed once so the operator can copy them in.
        rooms = {g.room_id for c in settings.communities for g in c.groups}
        self._known = {m.id for m in members} | rooms
        self._member_names = {m.id: m.name for m in members}  # for a message read from its payload
        # Futures of Inbounds (None: nothing to handle), queued in the order events arrived.
        self.queue: asyncio.Queue[asyncio.Future[Inbound | None]] = asyncio.Queue()
        self.stats: Counter[str] = Counter()
        self.online = False
        self.self_id = ""
        self.self_name = ""
        self.offline_since: float | None = None
        self.needs_scan = False  # logged out (or never logged in): a QR code must be scanned
        self.last_message = self._now()  # the last message received (half-dead check)
        self.offline_notice_seconds = 600.0
        self.watchdog: Watchdog | None = None
        self.notify_private: Callable[[Sequence[Reply]], Awaitable[None]] | None = None
        # The error hook (the dispatcher's): keeps a message that could not be read.
        self.errors: FailureSink | None = None
        self._bot: Any = None

    def attach(self, bot: Any, puppet: Any) -> None:
        """Listen to a new connection's Wechaty and puppet."""
        self._bot = bot
        bot.on("scan", self._on_scan)
        bot.on("message", self._on_message)
        bot.on("room-join", self._on_room_join)
        bot.on("room-topic", self._on_room_topic)
        bot.on("ready", lambda *_: self._alive())
        bot.on("error", self._on_error)
        for name in ("heartbeat", "heart-beat", "dong"):
            puppet.on(name, lambda *_: self._alive())
        puppet.on("login", self._on_login)
        puppet.on("logout", self._on_logout)
        puppet.on("room-invite", self._on_room_invite)

    def lost(self, reason: str) -> None:
        """The watchdog dropped the connection: offline since the last sign of life."""
        self.online = False
        self.stats["lost"] += 1
        if self.offline_since is None and self.watchdog is not None:
            self.offline_since = self.watchdog.last_sign

    def _alive(self) -> None:
        if self.watchdog is not None:
            self.watchdog.alive()

    def _print(self, text: str) -> None:
        print(text, file=self._out, flush=True)

    def _enqueue(self, making: Awaitable[Inbound | None]) -> None:
        # Called synchronously from the emitter, so the queue keeps the events' order even
        # though each one is converted by its own task.
        self.stats["received"] += 1
        self.queue.put_nowait(asyncio.ensure_future(making))

    def _on_scan(self, qrcode: str, status: Any, data: str | None = None) -> None:
        self._alive()
        if not self.online:
            self.needs_scan = True
            if self.offline_since is None:
                self.offline_since = self._now()
        if int(getattr(status, "value", status)) in (SCAN_WAITING, SCAN_TIMEOUT) and qrcode:
            self._print(f"请用机器人的微信号扫码登录 / scan to log in: {qr_link(qrcode)}")

    async def _on_login(self, payload: Any) -> None:
        self._alive()
        contact = self._bot.Contact.load(payload.contact_id)
        try:
            await contact.ready()
        except Exception as exc:  # the puppet's own failure: the configured name is used
            log.info("WeChat: could not load the bot's own contact (%s)", exc)
        self.self_id, self.self_name = payload.contact_id, contact.name or self._bot_name
        was_offline, self.online = self.offline_since, True
        self.offline_since, self.needs_scan = None, False
        self._print(f"微信已登录 / logged in: {self.self_name} ({self.self_id})")
        if was_offline is not None:
            gone = self._now() - was_offline
            if gone >= self.offline_notice_seconds and self.notify_private is not None:
                t = offline_notice(self._bot_name, gone, self._clock())
                try:
                    await self.notify_private([Reply(text=t, to_id=s) for s in self.secretaries()])
                except Exception:  # the note is a courtesy: never let it break the log-in
                    log.exception("WeChat: could not queue the offline notice")

    def secretaries(self) -> tuple[str, ...]:
        """Who may invite the bot into a group and hears of a long disconnection."""
        if self.secretaries_source is None:
            return self._config_secretaries
        return tuple(self.secretaries_source())

    def _on_logout(self, payload: Any) -> None:
        self._alive()
        self.online, self.needs_scan = False, True
        if self.offline_since is None:
            self.offline_since = self._now()
        self._print("微信已退出登录，等待重新扫码 / logged out; waiting for a new scan")

    def _on_error(self, payload: Any) -> None:
        if isinstance(payload, BaseException):  # one of our own listeners failed, not WeChat
            log.error("WeChat: event handling failed: %r", payload)
            return
        if self.watchdog is not None:
            self.watchdog.fail(f"puppet error: {getattr(payload, 'data', payload)}")

    def _on_message(self, msg: Any) -> None:
        self._alive()
        self.last_message = self._now()
        if self.watchdog is not None:
            self.watchdog.message()
        self._enqueue(self._readable(msg, self._message_inbound(msg)))

    async def _readable(self, msg: Any, making: Awaitable[Inbound | None]) -> Inbound | None:
        """The Inbound of ``msg``; one that could not be read is kept by the error hook with
        what its payload says, so a person's message is never lost to a gateway hiccup."""
        try:
            return await making
        except Exception as exc:  # whatever the puppet raised while reading it
            self.stats["unreadable"] += 1
            bare = self._bare_inbound(msg)
            if bare is None or self.errors is None:
                log.error("WeChat: could not read a message: %r", exc, exc_info=exc)
            else:
                await asyncio.to_thread(self.errors, bare, exc, stage=CHANNEL)
            return None

    def _bare_inbound(self, msg: Any) -> Inbound | None:
        """What a message's payload says, without asking the gateway anything more."""
        payload = getattr(msg, "payload", None)
        msg_id = getattr(msg, "message_id", None)
        if payload is None or not msg_id:
            return None
        room_id = getattr(payload, "room_id", None) or None
        sender = str(getattr(payload, "from_id", "") or "")
        mentions = tuple(i for i in (getattr(payload, "mention_ids", None) or []) if i)
        return Inbound(
            msg_id=str(msg_id),
            room_id=room_id,
            room_topic="",
            sender_id=sender,
            sender_name=self._member_names.get(sender, sender),
            text=str(getattr(payload, "text", "") or ""),
            at=self._clock(),
            mentions=tuple(i for i in mentions if i != self.self_id),
            is_to_bot=room_id is None or self.self_id in mentions,
        )

    async def _message_inbound(self, msg: Any) -> Inbound | None:
        talker = msg.talker()
        if talker.contact_id == self.self_id:
            self.stats["own"] += 1  # what the bot said itself, echoed back by WeChat
            return None
        kind = KIND_BY_TYPE.get(int(msg.type()))
        if kind is None:
            self.stats["skipped"] += 1
            return None
        room = msg.room()
        name, topic = talker.name, ""
        if room is not None:
            topic = await room.topic() or ""
            try:
                name = await room.alias(talker) or name
            except Exception as exc:  # group nicknames are optional for puppets
                log.debug("WeChat: no group nickname for %s: %s", talker.contact_id, exc)
        mention_ids = [i for i in (msg.payload.mention_ids or []) if i]
        text, named = strip_bot_mention(msg.text() if kind == "text" else "", self._names())
        to_bot = room is None or named or self.self_id in mention_ids
        if room is not None:
            self._introduce("群 / group", topic, room.room_id)
        if to_bot:  # only who talks to the bot: a busy group would flood the terminal
            self._introduce("人 / person", name, talker.contact_id)
        if kind in ("image", "video"):
            text = await self._save_media(msg, kind)
        return Inbound(
            msg_id=msg.message_id,
            room_id=room.room_id if room is not None else None,
            room_topic=topic,
            sender_id=talker.contact_id,
            sender_name=name or talker.contact_id,
            text=text,
            at=self._clock(),
            mentions=tuple(i for i in mention_ids if i != self.self_id),
            is_to_bot=to_bot,
            kind=kind,
        )

    def _introduce(self, what: str, name: str, wechat_id: str) -> None:
        if wechat_id not in self._known:
            self._known.add(wechat_id)
            self._print(f"未写进配置的{what} not in config: {name} = {wechat_id}")

    def _names(self) -> tuple[str, ...]:
        return (self._bot_name, self.self_name)

    async def _save_media(self, msg: Any, kind: str) -> str:
        """Save a photo or video under the media folder; '' when it cannot be fetched."""
        try:
            box = await asyncio.wait_for(msg.to_file_box(), MEDIA_TIMEOUT)
            path = media_path(self._media_dir, msg.message_id, kind, box.name, self._clock())
            # FileBox.to_file does blocking I/O (even an HTTP download): keep it off the loop.
            await asyncio.wait_for(asyncio.to_thread(_write, box, path), MEDIA_TIMEOUT)
            return str(path)
        except Exception as exc:
            log.warning("WeChat: could not save %s %s: %s", kind, msg.message_id, exc)
            return ""


def _write(box: Any, path: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(box.to_file(str(path), overwrite=True))
