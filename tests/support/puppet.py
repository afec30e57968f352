"""An in-memory wechaty puppet: drives the real Wechaty, Message and Room classes offline.

It serves what wechaty calls (payloads, sending, ``ding``, invitations) from dictionaries and
acts like ``PuppetService`` where the channel relies on it: ``start`` logs in and lasts as long
as the event stream, events keep its names (``heartbeat``, not ``heart-beat``), ``stop`` drops
every listener. Tests inject what people say, read :attr:`sent`, and can make the gateway go
silent, crash, refuse a start or fail to send.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pyee.asyncio import AsyncIOEventEmitter
from wechaty_puppet import (
    ContactPayload,
    EventDongPayload,
    EventErrorPayload,
    EventHeartbeatPayload,
    EventLoginPayload,
    EventMessagePayload,
    EventReadyPayload,
    EventRoomInvitePayload,
    EventRoomJoinPayload,
    EventRoomTopicPayload,
    EventScanPayload,
    FileBox,
    MessagePayload,
    MessageType,
    Puppet,
    RoomInvitationPayload,
    RoomMemberPayload,
    RoomPayload,
    ScanStatus,
)
from wechaty_puppet.schemas.puppet import PuppetOptions

BOT_ID = "wxid_liufang_bot"


@dataclass(frozen=True, slots=True)
class Sent:
    """One ``message_send_text`` call the bot made."""

    conversation_id: str
    text: str
    mention_ids: tuple[str, ...]
    at: float  # time.perf_counter() when the puppet got it


class InMemoryPuppet(Puppet):
    """A puppet whose WeChat is a few dictionaries; see the module docstring."""

    def __init__(
        self, bot_id: str = BOT_ID, bot_name: str = "社区小助手", *, logged_in: bool = False
    ) -> None:
        super().__init__(PuppetOptions(), name="in-memory")
        self.bot_id = bot_id
        self.contacts: dict[str, ContactPayload] = {}
        self.rooms: dict[str, RoomPayload] = {}
        self.aliases: dict[tuple[str, str], str] = {}
        self.messages: dict[str, MessagePayload] = {}
        self.files: dict[str, FileBox] = {}
        self.invitations: dict[str, RoomInvitationPayload] = {}
        self.accepted: list[str] = []
        self.sent: list[Sent] = []
        self.on_send: Callable[[Sent], None] | None = None
        self.fail_sends = False
        self.silent = False  # the stream is dead but nothing says so
        self.start_errors: list[Exception] = []  # raised by the next starts, one each
        self.starts = self.stops = 0
        self.logged_in = logged_in  # False: the first start shows a QR code to scan
        self._events = AsyncIOEventEmitter()
        self._ended: asyncio.Event | None = None
        self._crash: Exception | None = None
        self.add_contact(bot_id, bot_name)

    # -- the test's side: people, rooms, and what they say --------------------------------

    def add_contact(self, contact_id: str, name: str) -> None:
        """Make a WeChat user known."""
        self.contacts[contact_id] = ContactPayload(id=contact_id, name=name, friend=True)

    def add_room(self, room_id: str, topic: str, member_ids: Sequence[str]) -> None:
        """Make a group known, with the bot in it."""
        members = list(dict.fromkeys([self.bot_id, *member_ids]))
        self.rooms[room_id] = RoomPayload(id=room_id, topic=topic, member_ids=members)

    def new_id(self) -> str:
        """A message id never used before in this process (wechaty drops repeats)."""
        return f"msg-{uuid.uuid4().hex}"

    def say(
        self,
        room_id: str | None,
        talker_id: str,
        text: str = "",
        *,
        mention_ids: Sequence[str] = (),
        kind: MessageType = MessageType.MESSAGE_TYPE_TEXT,
        msg_id: str | None = None,
    ) -> str:
        """Someone says ``text`` in a room (or privately to the bot when ``room_id`` is None)."""
        msg_id = msg_id or self.new_id()
        self.messages[msg_id] = MessagePayload(
            id=msg_id,
            type=kind,
            text=text,
            from_id=talker_id,
            room_id=room_id or "",
            to_id="" if room_id else self.bot_id,
            mention_ids=list(mention_ids),
            timestamp=int(time.time()),
        )
        self.deliver(msg_id)
        return msg_id

    def photo(self, room_id: str | None, talker_id: str, data: bytes = b"\xff\xd8jpeg") -> str:
        """Someone sends a photo."""
        msg_id = self.new_id()
        self.files[msg_id] = FileBox.from_buffer(data, name=f"{msg_id}.jpg")
        return self.say(room_id, talker_id, "", kind=MessageType.MESSAGE_TYPE_IMAGE, msg_id=msg_id)

    def deliver(self, msg_id: str) -> None:
        """The gateway delivers (or delivers again) the message with this id."""
        self.emit("message", EventMessagePayload(message_id=msg_id))

    def join(self, room_id: str, invitee_ids: Sequence[str], inviter_id: str) -> None:
        """People (maybe the bot) are added to a group."""
        room = self.rooms[room_id]
        room.member_ids = list(dict.fromkeys([*room.member_ids, *invitee_ids]))
        payload = EventRoomJoinPayload(
            invited_ids=list(invitee_ids),
            inviter_id=inviter_id,
            room_id=room_id,
            timestamp=int(time.time()),
        )
        self.emit("room-join", payload)

    def rename(self, room_id: str, new_topic: str, changer_id: str) -> None:
        """Someone renames a group."""
        old, self.rooms[room_id].topic = self.rooms[room_id].topic, new_topic
        payload = EventRoomTopicPayload(
            changer_id=changer_id,
            new_topic=new_topic,
            old_topic=old,
            room_id=room_id,
            timestamp=int(time.time()),
        )
        self.emit("room-topic", payload)

    def invite(self, room_id: str, topic: str, inviter_id: str) -> str:
        """Someone invites the bot into a group; returns the invitation id."""
        inv_id = f"inv-{uuid.uuid4().hex[:12]}"
        self.invitations[inv_id] = RoomInvitationPayload(
            id=inv_id, inviter_id=inviter_id, topic=topic, receiver_id=self.bot_id
        )
        self.emit("room-invite", EventRoomInvitePayload(room_invitation_id=inv_id))
        return inv_id

    def heartbeat(self) -> None:
        """The gateway's periodic sign of life."""
        self.emit("heartbeat", EventHeartbeatPayload(data="heartbeat"))

    def error(self, data: str = "gateway error") -> None:
        """The gateway reports an error event."""
        self.emit("error", EventErrorPayload(data=data))

    def go_silent(self) -> None:
        """The stream dies without a word: nothing arrives, dings go unanswered."""
        self.silent = True

    def crash(self, error: Exception | None = None) -> None:
        """The stream ends (with ``error`` raised from ``start``, or cleanly)."""
        self._crash = error
        if self._ended is not None:
            self._ended.set()

    def emit(self, event: str, payload: Any) -> None:
        """Send an event to wechaty, unless the stream is dead."""
        if not self.silent:
            self._events.emit(event, payload)

    # -- what wechaty calls -----------------------------------------------------------------

    def on(self, event_name: str, caller: Callable[..., Any]) -> None:
        """Register a listener (wechaty's event bridge and the channel)."""
        self._events.on(event_name, caller)

    def listener_count(self, event_name: str) -> int:
        """How many listeners an event has."""
        return len(self._events.listeners(event_name))

    async def start(self) -> None:
        """Log in (scanning the first time), then last until stopped or crashed."""
        self.starts += 1
        if self.start_errors:
            raise self.start_errors.pop(0)
        self.silent, self._crash = False, None
        self._ended = asyncio.Event()
        if not self.logged_in:
            qrcode = "https://login.weixin.qq.com/l/in-memory"
            self.emit("scan", EventScanPayload(status=ScanStatus.Waiting, qrcode=qrcode))
        self.logged_in = True
        self.emit("login", EventLoginPayload(contact_id=self.bot_id))
        self.emit("ready", EventReadyPayload(data="ready"))
        await self._ended.wait()
        if self._crash is not None:
            raise self._crash

    async def stop(self) -> None:
        """Close the connection and forget every listener, as PuppetService does."""
        self.stops += 1
        self._events.remove_all_listeners()
        if self._ended is not None:
            self._ended.set()

    def self_id(self) -> str:
        """The bot's own contact id."""
        return self.bot_id

    async def ding(self, data: str | None = "") -> None:
        """Answer with a dong while the stream is alive."""
        self.emit("dong", EventDongPayload(data=data or ""))

    async def contact_payload(self, contact_id: str) -> ContactPayload:
        """A known contact, or a stranger named by their id (the gateway knows everyone)."""
        return self.contacts.get(contact_id) or ContactPayload(id=contact_id, name=contact_id)

    async def room_payload(self, room_id: str) -> RoomPayload:
        """A known group."""
        return self.rooms[room_id]

    async def room_members(self, room_id: str) -> list[str]:
        """Member ids of a group."""
        return list(self.rooms[room_id].member_ids)

    async def room_member_payload(self, room_id: str, contact_id: str) -> RoomMemberPayload:
        """A member's group nickname, when set."""
        name = (await self.contact_payload(contact_id)).name
        alias = self.aliases.get((room_id, contact_id), "")
        return RoomMemberPayload(id=contact_id, room_alias=alias, name=name)

    async def room_search(self, query: Any = None) -> list[str]:
        """Every group's id."""
        return list(self.rooms)

    async def message_payload(self, message_id: str) -> MessagePayload:
        """A message received or sent."""
        return self.messages[message_id]

    async def message_image(self, message_id: str, image_type: Any = 3) -> FileBox:
        """The picture of an image message."""
        return self.files[message_id]

    async def message_file(self, message_id: str) -> FileBox:
        """The file of a media message."""
        return self.files[message_id]

    async def message_send_text(
        self, conversation_id: str, message: str, mention_ids: list[str] | None = None
    ) -> str:
        """Capture what the bot sends; fail when told to."""
        if self.fail_sends:
            raise ConnectionError("gateway refused the message")
        sent = Sent(conversation_id, message, tuple(mention_ids or ()), time.perf_counter())
        self.sent.append(sent)
        msg_id = self.new_id()
        in_room = conversation_id in self.rooms
        self.messages[msg_id] = MessagePayload(
            id=msg_id,
            type=MessageType.MESSAGE_TYPE_TEXT,
            text=message,
            from_id=self.bot_id,
            room_id=conversation_id if in_room else "",
            to_id="" if in_room else conversation_id,
            mention_ids=list(mention_ids or ()),
            timestamp=int(time.time()),
        )
        if self.on_send is not None:
            self.on_send(sent)
        return msg_id

    async def room_invitation_payload(
        self, room_invitation_id: str, payload: Any = None
    ) -> RoomInvitationPayload:
        """A pending invitation."""
        return self.invitations[room_invitation_id]

    async def room_invitation_accept(self, room_invitation_id: str) -> None:
        """Accept an invitation."""
        self.accepted.append(room_invitation_id)
