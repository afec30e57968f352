"""Half-dead streams: heartbeats keep coming but no message does (the watchdog's clock is ours)."""

from __future__ import annotations

import asyncio
from datetime import time

import pytest

from bot.channels.wechaty import within
from bot.watchdog import StallCheck, Watchdog, WatchdogTimes
from tests.support.manual_time import ManualTime
from tests.support.wechat import until

TIMES = WatchdogTimes(quiet=0.4, backoff_first=0.01, backoff_max=0.02, close_timeout=0.2)


class Link:
    """A link whose heartbeats the test sends by hand."""

    def __init__(self) -> None:
        self.closed = False

    async def probe(self) -> None:
        return None

    async def close(self) -> None:
        self.closed = True


class Stream:
    """A watchdog over fake links, a moved clock, and a self-test that echoes or not."""

    def __init__(self, *, echo: bool = True, test: bool = True, awake: bool = True) -> None:
        self.ticks = ManualTime()
        self.links: list[Link] = []
        self.lost: list[str] = []
        self.tests = 0
        self.echo, self.awake = echo, awake
        stall = StallCheck(
            seconds=1800,
            active=lambda: self.awake,
            self_test=self._self_test if test else None,
            echo_seconds=60,
        )
        self.dog = Watchdog(
            self._connect,
            TIMES,
            on_lost=self.lost.append,
            now=self.ticks,
            wait=self.ticks.wait,
            stall=stall,
        )

    async def _connect(self) -> Link:
        self.links.append(Link())
        return self.links[-1]

    async def _self_test(self) -> None:
        self.tests += 1
        if self.echo:
            self.dog.message()  # the bot's own line came back through the stream

    async def pass_minutes(self, minutes: float, step: float = 60.0) -> None:
        """Move the clock, a heartbeat every ``step`` seconds, letting the watchdog look."""
        for _ in range(int(minutes * 60 / step)):
            self.ticks.now += step
            self.dog.alive()
            await self.ticks.advance(0)  # every wait due by now ends: the watchdog looks


@pytest.fixture
async def stream_factory():  # type: ignore[no-untyped-def]
    running: list[tuple[Stream, asyncio.Task[None]]] = []

    async def start(**kwargs: bool) -> Stream:
        stream = Stream(**kwargs)
        running.append((stream, asyncio.create_task(stream.dog.run())))
        await until(lambda: len(stream.links) == 1)
        return stream

    yield start
    for stream, task in running:
        await stream.dog.stop()
        await asyncio.wait_for(task, 2)


async def test_a_self_test_that_echoes_keeps_the_link(stream_factory) -> None:  # type: ignore[no-untyped-def]
    s = await stream_factory(echo=True)
    await s.pass_minutes(29)
    assert s.tests == 0  # messages are not overdue yet
    await s.pass_minutes(3)
    assert s.tests == 1 and len(s.links) == 1 and s.lost == []
    await s.pass_minutes(10)
    assert s.tests == 1  # the echo counts as a message: the next test is 30 minutes later


async def test_no_echo_means_half_dead_and_a_reconnect(stream_factory) -> None:  # type: ignore[no-untyped-def]
    s = await stream_factory(echo=False)
    await s.pass_minutes(31)
    assert s.tests == 1 and len(s.links) == 1  # waiting for the echo
    await s.pass_minutes(1.5)
    await s.ticks.advance(TIMES.backoff_max)  # the backoff before the new link
    assert len(s.links) == 2
    assert s.lost == ["half dead: the self-test did not come back in 60s"]
    assert s.links[0].closed and s.dog.stalls == 1


async def test_without_a_test_room_a_quiet_stream_is_replaced(stream_factory) -> None:  # type: ignore[no-untyped-def]
    s = await stream_factory(test=False)
    await s.pass_minutes(29)
    assert s.lost == []  # heartbeats, and messages are not overdue yet
    await s.pass_minutes(2)
    await s.ticks.advance(TIMES.backoff_max)  # the backoff before the new link
    assert len(s.links) == 2
    assert s.lost[0].startswith("half dead: heartbeats but no message for")


async def test_messages_keep_it_from_testing(stream_factory) -> None:  # type: ignore[no-untyped-def]
    s = await stream_factory()
    for _ in range(4):
        await s.pass_minutes(20)
        s.dog.message()
    assert s.tests == 0 and len(s.links) == 1


async def test_nothing_is_expected_at_night(stream_factory) -> None:  # type: ignore[no-untyped-def]
    s = await stream_factory(awake=False)
    await s.pass_minutes(120, step=120)
    assert s.tests == 0 and len(s.links) == 1 and s.lost == []


@pytest.mark.parametrize(
    ("moment", "start", "end", "inside"),
    [
        (time(7, 0), time(7, 0), time(22, 0), True),
        (time(22, 0), time(7, 0), time(22, 0), False),
        (time(3, 0), time(7, 0), time(22, 0), False),
        (time(23, 0), time(22, 0), time(6, 0), True),  # a window past midnight
        (time(5, 59), time(22, 0), time(6, 0), True),
        (time(12, 0), time(22, 0), time(6, 0), False),
    ],
)
def test_active_hours(moment: time, start: time, end: time, inside: bool) -> None:
    assert within(moment, start, end) is inside
