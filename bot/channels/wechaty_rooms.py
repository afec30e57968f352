"""The WeChat channel's group events: members joining, a new topic, invitations to a group.

Like :mod:`bot.channels.wechaty_events` it works on wechaty's objects by their methods alone,
with no wechaty import of its own.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from handlers.events import Inbound

log = logging.getLogger("bot.channels.wechaty_events")  # the logger its code had before the split


class RoomEvents:
    """The :class:`~bot.channels.wechaty_events.EventMapper`'s group events (a mixin)."""

    stats: Counter[str]
    self_id: str
    _bot: Any
    _clock: Callable[[], datetime]
    _alive: Callable[[], None]
    _print: Callable[[str], None]
    _enqueue: Callable[[Awaitable[Inbound | None]], None]
    secretaries: Callable[[], tuple[str, ...]]

    def _on_room_join(self, room: Any, invitees: list[Any], inviter: Any, date: Any) -> None:
        self._alive()
        self._enqueue(self._join_inbound(room, invitees, inviter, date))

    async def _join_inbound(
        self, room: Any, invitees: list[Any], inviter: Any, date: Any
    ) -> Inbound:
        ids = [c.contact_id for c in invitees]
        return Inbound(
            msg_id=f"join:{room.room_id}:{date:%Y%m%d%H%M%S}:{','.join(sorted(ids))}"[:200],
            room_id=room.room_id,
            room_topic=await room.topic() or "",
            sender_id=inviter.contact_id,
            sender_name=inviter.name or inviter.contact_id,
            text="",
            at=self._clock(),
            mentions=tuple(i for i in ids if i != self.self_id),
            is_to_bot=self.self_id in ids,
            kind="join",
        )

    def _on_room_topic(self, room: Any, new: str, old: str, changer: Any, date: Any) -> None:
        self._alive()
        # The pooled Room keeps its old payload; drop it so later messages see the new name.
        type(room)._pool.pop(room.room_id, None)
        self._enqueue(self._topic_inbound(room, new, changer, date))

    async def _topic_inbound(self, room: Any, new: str, changer: Any, date: Any) -> Inbound:
        return Inbound(
            msg_id=f"topic:{room.room_id}:{date:%Y%m%d%H%M%S}"[:200],
            room_id=room.room_id,
            room_topic=new,
            sender_id=changer.contact_id,
            sender_name=changer.name or changer.contact_id,
            text="",
            at=self._clock(),
            kind="topic",
        )

    async def _on_room_invite(self, payload: Any) -> None:
        self._alive()
        try:
            invitation = self._bot.RoomInvitation(payload.room_invitation_id)
            inviter = await invitation.inviter()
            topic = await invitation.topic()
            if inviter.contact_id not in self.secretaries():
                self.stats["invite_refused"] += 1
                log.warning("WeChat: invitation to %r from %s refused", topic, inviter.contact_id)
                return
            await invitation.accept()
        except Exception:
            log.exception("WeChat: could not handle room invitation %s", payload)
            return
        self.stats["invite_accepted"] += 1
        self._print(f"已接受进群邀请 / joined on invitation: {topic}")
