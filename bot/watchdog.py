"""A connection watchdog: reconnects with backoff when a link ends, errs or goes quiet.

It knows nothing of WeChat. The channel gives it a ``connect`` coroutine returning a
:class:`Link`, reports every sign of life (an event, a heartbeat, a dong) with
:meth:`Watchdog.alive`, and reports errors with :meth:`Watchdog.fail`. A link that has been
quiet for half the allowed time is probed (the channel sends a ding); one quiet for the whole
time is dropped and replaced. That catches a stream that died without a word, which is what a
restarted puppet-service gateway does to wechaty.

A stream can also be half dead: heartbeats keep coming, messages do not. With a
:class:`StallCheck`, a link on which no message (:meth:`Watchdog.message`) arrived for
``stall.seconds`` while ``stall.active()`` says people are awake gets a self-test (the channel
posts in a test room; the bot's own message must come back as a message event within
``stall.echo_seconds``). No echo, or no self-test configured, and the link is replaced.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

# Waits until the event is set or the seconds have passed on the watchdog's clock, whichever
# comes first; injected with ``now`` so that tests move time instead of sleeping through it.
Wait = Callable[[asyncio.Event, float], Awaitable[None]]


async def wait_or_timeout(event: asyncio.Event, seconds: float) -> None:
    """Return when ``event`` is set or ``seconds`` of real (monotonic) time have passed."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


class Link(Protocol):
    """One live connection that the watchdog looks after."""

    async def probe(self) -> None:
        """Ask the other side for a sign of life; raise when the request cannot be made."""
        ...

    async def close(self) -> None:
        """Disconnect and release the connection."""
        ...


@dataclass(frozen=True, slots=True)
class WatchdogTimes:
    """How patient the watchdog is, in seconds."""

    quiet: float = 120.0  # no sign of life for this long: reconnect
    backoff_first: float = 1.0
    backoff_max: float = 300.0
    connect_timeout: float = 60.0
    close_timeout: float = 10.0

    @property
    def tick(self) -> float:
        """How often the link is looked at."""
        return max(0.01, min(self.quiet / 8, 5.0))


@dataclass(frozen=True, slots=True)
class StallCheck:
    """Half-dead stream detection: how long without a message, when, and how to self-test."""

    seconds: float  # no message for this long (during active hours): self-test
    active: Callable[[], bool]  # whether messages are expected now (people are awake)
    self_test: Callable[[], Awaitable[None]] | None = None  # post a message that must echo
    echo_seconds: float = 60.0


class Watchdog:
    """Keeps one link alive until :meth:`stop`; never raises out of :meth:`run`."""

    def __init__(
        self,
        connect: Callable[[], Awaitable[Link]],
        times: WatchdogTimes,
        *,
        on_lost: Callable[[str], None] | None = None,
        now: Callable[[], float] = time.monotonic,
        wait: Wait = wait_or_timeout,
        stall: StallCheck | None = None,
    ) -> None:
        """Watch links from ``connect``; ``now`` and ``wait`` are its clock (real by default)."""
        self._connect = connect
        self.times = times
        self._on_lost = on_lost
        self._now = now
        self._wait = wait
        self.stall = stall
        self.last_sign = now()
        self.last_message = self.last_sign
        self.stalls = 0  # links dropped as half dead
        self.connects = 0  # links opened, the first one included
        self._signs = 0
        self._failure: str | None = None
        self._wake = asyncio.Event()
        self._stopping = False

    def alive(self) -> None:
        """Record a sign of life from the current link."""
        self.last_sign = self._now()
        self._signs += 1

    def message(self) -> None:
        """Record that a message arrived (the bot's own echo included): the stream carries them."""
        self.last_message = self._now()
        self.alive()

    def fail(self, reason: str) -> None:
        """Drop the current link now (the puppet reported an error or its stream ended)."""
        if self._failure is None:
            self._failure = reason
        self._wake.set()

    def delay(self, attempt: int) -> float:
        """The wait before reconnection attempt number ``attempt`` (from 0)."""
        return min(self.times.backoff_first * 2 ** min(attempt, 20), self.times.backoff_max)

    async def run(self) -> None:
        """Connect, watch, and reconnect after every loss, until stopped."""
        attempt = 0
        while not self._stopping:
            # Reset before connecting: the new link's stream may fail before connect returns.
            self._signs, self._failure = 0, None
            try:
                link = await asyncio.wait_for(self._connect(), self.times.connect_timeout)
            except Exception as exc:  # the gateway may be down: keep trying, never give up
                log.warning("WeChat: could not connect (%s)", exc or type(exc).__name__)
                self._lost(f"connect failed: {exc}")
                await self._pause(self.delay(attempt))
                attempt += 1
                continue
            self.connects += 1
            self.last_sign = self.last_message = self._now()
            reason = await self._watch(link)
            await self._close(link)
            if self._stopping:
                return
            # A link that worked for a while earns a quick retry; one that never did backs off.
            attempt = 0 if self._signs else attempt + 1
            log.warning("WeChat: connection lost (%s); reconnecting", reason)
            self._lost(reason)
            await self._pause(self.delay(attempt))

    async def stop(self) -> None:
        """Stop watching; :meth:`run` closes the link and returns."""
        self._stopping = True
        self._wake.set()

    async def _watch(self, link: Link) -> str:
        """Wait until the link has to go; returns why."""
        probed_at: float | None = None
        testing_since: float | None = None  # a self-test was sent and its echo is awaited
        while True:
            if self._stopping:
                return "stopped"
            if self._failure is not None:
                return self._failure
            now = self._now()
            stall = self.stall
            if testing_since is not None and self.last_message >= testing_since:
                testing_since = None  # the echo came back: the stream carries messages
            if stall is not None and testing_since is not None:
                if now - testing_since >= stall.echo_seconds:
                    self.stalls += 1
                    return (
                        f"half dead: the self-test did not come back in {stall.echo_seconds:.0f}s"
                    )
            elif stall is not None and now - self.last_message >= stall.seconds and stall.active():
                quiet = now - self.last_message
                if stall.self_test is None:
                    self.stalls += 1
                    return f"half dead: heartbeats but no message for {quiet:.0f}s"
                log.warning("WeChat: no message for %.0fs; sending a self-test", quiet)
                testing_since = now
                try:
                    await asyncio.wait_for(stall.self_test(), stall.echo_seconds)
                except Exception as exc:
                    self.stalls += 1
                    return (
                        f"half dead: the self-test could not be sent ({exc or type(exc).__name__})"
                    )
            idle = now - self.last_sign
            if idle >= self.times.quiet:
                return f"no event or heartbeat for {idle:.1f}s"
            # <=: an answer may come at the very reading the probe went out (a coarse clock).
            if idle >= self.times.quiet / 2 and (probed_at is None or probed_at <= self.last_sign):
                probed_at = now
                try:
                    await asyncio.wait_for(link.probe(), self.times.quiet / 4)
                except Exception as exc:
                    return f"probe failed: {exc or type(exc).__name__}"
            self._wake.clear()
            await self._wait(self._wake, self.times.tick)

    async def _close(self, link: Link) -> None:
        try:
            await asyncio.wait_for(link.close(), self.times.close_timeout)
        except Exception as exc:  # a dead link may fail to close; it is dropped either way
            log.info("WeChat: closing the old connection failed: %s", exc)

    async def _pause(self, seconds: float) -> None:
        # Only stop() cuts the wait short: late errors of a dropped link must not skip it.
        deadline = self._now() + seconds
        while not self._stopping and (left := deadline - self._now()) > 0:
            self._wake.clear()
            await self._wait(self._wake, left)
        # A failure reported while waiting belonged to the link already dropped.
        self._failure = None

    def _lost(self, reason: str) -> None:
        if self._on_lost is not None:
            self._on_lost(reason)
