"""The channel boundary: what every chat channel offers the rest of the bot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from handlers.events import Inbound

InboundCallback = Callable[[Inbound], Awaitable[None]]


class Channel(Protocol):
    """A chat network the bot is connected to (console, WeChat, web simulator)."""

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
