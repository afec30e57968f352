"""The channel boundary: what every chat channel offers the rest of the bot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from handlers.events import Inbound

InboundCallback = Callable[[Inbound], Awaitable[None]]


class Channel(Protocol):
    """A chat network the bot is connected to (console, WeChat, web simulator).

    A channel whose network caps the length of one message may set an attribute
    ``max_text_chars`` (in UTF-16 code units); the outbox sender splits longer texts to fit.
    A channel that cannot be flooded (a terminal) may set ``rate_limited = False``; every
    other channel gets the configured sending limits. A real chat network (WeChat) sets
    ``real = True``: the clock is never moved while it is connected.
    """

    name: str

    async def start(self, on_inbound: InboundCallback) -> None:
        """Connect and begin feeding received messages to ``on_inbound``."""
        ...

    async def wait_closed(self) -> None:
        """Return when the channel has ended by itself (the console at end of input)."""
        ...

    async def stop(self) -> None:
        """Disconnect and release resources."""
        ...

    async def say(self, room_id: str, text: str, mention_ids: Sequence[str] = ()) -> None:
        """Post ``text`` in a room, @-mentioning ``mention_ids``; raise when it was not sent."""
        ...

    async def say_private(self, contact_id: str, text: str) -> None:
        """Send ``text`` to one person privately; raise when it was not sent."""
        ...


def text_limit(channel: object) -> int | None:
    """The channel's ``max_text_chars`` when it declares one, else None (no limit of its own)."""
    limit = getattr(channel, "max_text_chars", None)
    return limit if isinstance(limit, int) and limit > 0 else None


def is_rate_limited(channel: object) -> bool:
    """Whether the sending limits apply to the channel (they do unless it opts out)."""
    return bool(getattr(channel, "rate_limited", True))
