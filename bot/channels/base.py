"""The channel boundary: what every chat channel offers the rest of the bot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from handlers.errors import FailureSink
from handlers.events import Inbound, Reply

InboundCallback = Callable[[Inbound], Awaitable[None]]
Notify = Callable[[Sequence[Reply]], Awaitable[object]]


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


@runtime_checkable
class SelfReporting(Protocol):
    """A channel that speaks up by itself and drops connections (WeChat); the app wires both.

    ``notify`` is set by the app to queue the channel's own notices (the "was offline" note)
    through the outbox; ``lost_listeners`` are told why each connection was dropped;
    ``secretaries`` (set by the app) reads who may invite the bot and hears of a long
    disconnection from the database, which owns the directory after the first start;
    ``errors`` keeps a message the channel could not read or hand over (the error hook).
    """

    notify: Notify | None
    lost_listeners: list[Callable[[str], None]]
    secretaries: Callable[[], Sequence[str]] | None
    errors: FailureSink | None


@runtime_checkable
class Backlogged(Protocol):
    """A channel whose messages arrive whether or not the bot has answered them (WeChat).

    ``backlog()`` says how many received messages wait to be handed over. While some wait,
    the app handles them before sending the replies of the ones before (one flush for several
    messages instead of one each, so a burst drains faster); ``on_idle``, set by the app, is
    awaited once none waits, and sends what was held back.
    """

    on_idle: Callable[[], Awaitable[None]] | None

    def backlog(self) -> int:
        """How many received messages wait to be handed to the bot."""
        ...


def text_limit(channel: object) -> int | None:
    """The channel's ``max_text_chars`` when it declares one, else None (no limit of its own)."""
    limit = getattr(channel, "max_text_chars", None)
    return limit if isinstance(limit, int) and limit > 0 else None


def is_rate_limited(channel: object) -> bool:
    """Whether the sending limits apply to the channel (they do unless it opts out)."""
    return bool(getattr(channel, "rate_limited", True))


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    """Whether the channel can speak now, for /healthz, alerts and the dashboard header."""

    kind: str
    logged_in: bool
    needs_scan: bool = False  # logged out: someone must scan the QR code again
    offline_seconds: float | None = None  # how long it has been unable to send
    last_event_age_s: float | None = None  # since the last event or heartbeat

    @property
    def label(self) -> str:
        """已连接 / 已掉线 N 分钟 / 需要扫码, as the dashboard header shows it."""
        if self.logged_in:
            return "已连接"
        if self.needs_scan:
            return "需要扫码"
        minutes = int((self.offline_seconds or 0) // 60)
        return f"已掉线 {minutes} 分钟"


def channel_status(channel: object) -> ChannelStatus:
    """The channel's own status when it reports one; channels that cannot drop are connected."""
    status = getattr(channel, "status", None)
    if callable(status):
        return status()
    return ChannelStatus(kind=str(getattr(channel, "name", "unknown")), logged_in=True)
