"""Channel-neutral message types that cross the channel boundary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message a person sent, as every channel reports it to the dispatcher.

    ``room_id`` is ``None`` for a private message to the bot. ``text`` has the @-mention
    of the bot already removed; ``is_to_bot`` says whether the bot was mentioned.
    """

    msg_id: str
    room_id: str | None
    room_topic: str
    sender_id: str
    sender_name: str
    text: str
    at: datetime
    mentions: tuple[str, ...] = ()
    is_to_bot: bool = False
    # text | image | voice | video | file | emoticon | other, and group events: join | topic;
    # open311 for a request submitted through the web API (see handlers/open311.py)
    kind: str = "text"
    # Structured fields a non-chat channel gives with the text, as (name, value) pairs
    # (Open311: service_code, address, lat, long); chat messages have none.
    details: tuple[tuple[str, str], ...] = ()

    @property
    def is_private(self) -> bool:
        """True when the message was sent to the bot directly, not in a group."""
        return self.room_id is None


@dataclass(frozen=True, slots=True)
class Reply:
    """A message the bot wants to send: to a room, or privately to ``to_id`` when no room."""

    text: str
    room_id: str | None = None
    to_id: str | None = None
    mention_ids: tuple[str, ...] = field(default=())
    followup: bool = False  # sent by a follow-up, not in answer to a message just received
    urgent: bool = False  # jumps every room's sending queue and is never held for quiet hours
