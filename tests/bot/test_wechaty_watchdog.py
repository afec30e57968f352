"""The connection watchdog on its own, with fake links (no wechaty involved).

Its clock is a :class:`ManualTime`: the tests move time on, the watchdog never sleeps for real.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.watchdog import Watchdog, WatchdogTimes
from tests.support.manual_time import ManualTime

TIMES = WatchdogTimes(quiet=0.2, backoff_first=0.01, backoff_max=0.04, close_timeout=0.2)


class FakeLink:
    """A link that answers probes (or not) and records being closed."""

    def __init__(self, watchdog: Watchdog | None, *, answers: bool = True) -> None:
        self.watchdog, self.answers = watchdog, answers
        self.probes = 0
        self.closed = False

    async def probe(self) -> None:
        self.probes += 1
        if self.answers and self.watchdog is not None:
            self.watchdog.alive()

    async def close(self) -> None:
        self.closed = True


def make(
    answers: bool = True, fail_first: int = 0
) -> tuple[Watchdog, list[FakeLink], list[str], ManualTime]:
    clock = ManualTime()
    links: list[FakeLink] = []
    lost: list[str] = []
    failures = [fail_first]

    async def connect() -> FakeLink:
        if failures[0] > 0:
            failures[0] -= 1
            raise OSError("gateway down")
        link = FakeLink(dog, answers=answers)
        links.append(link)
        return link

    dog = Watchdog(connect, TIMES, on_lost=lost.append, now=clock, wait=clock.wait)
    return dog, links, lost, clock


async def run_for(dog: Watchdog, clock: ManualTime, seconds: float) -> None:
    task = asyncio.create_task(dog.run())
    await clock.advance(seconds)
    await dog.stop()
    await asyncio.wait_for(task, 2)


def test_backoff_doubles_up_to_the_cap() -> None:
    dog = Watchdog(lambda: None, WatchdogTimes(backoff_first=1, backoff_max=300))  # type: ignore
    assert [dog.delay(i) for i in range(10)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]


async def test_a_link_that_answers_probes_is_kept() -> None:
    dog, links, lost, clock = make(answers=True)
    await run_for(dog, clock, 0.8)  # four times the quiet time
    # Probed at half the quiet time after each answer: 0.1, 0.2, ... 0.8 s (a tick late at most).
    assert len(links) == 1 and 6 <= links[0].probes <= 8 and lost == []
    assert links[0].closed  # closed on stop


async def test_a_silent_link_is_replaced() -> None:
    dog, links, lost, clock = make(answers=False)
    await run_for(dog, clock, 0.19)  # just under the quiet time: probed, kept
    assert len(links) == 1 and links[0].probes == 1 and lost == []
    dog2, links2, lost2, clock2 = make(answers=False)
    await run_for(dog2, clock2, 0.7)
    assert len(links2) >= 2 and all(link.closed for link in links2)
    assert lost2 and lost2[0] == "no event or heartbeat for 0.2s"


async def test_a_probe_that_cannot_be_sent_drops_the_link() -> None:
    dog, links, lost, clock = make()

    async def broken() -> None:
        raise ConnectionError("cannot ding")

    task = asyncio.create_task(dog.run())
    await clock.advance(0)
    assert len(links) == 1
    links[0].probe = broken  # type: ignore[method-assign]
    await clock.advance(0.15)  # past half the quiet time: probed, and the probe fails
    assert len(links) == 2
    await dog.stop()
    await task
    assert lost == ["probe failed: cannot ding"]


async def test_a_failure_drops_the_link_at_once() -> None:
    dog, links, lost, clock = make()
    task = asyncio.create_task(dog.run())
    await clock.advance(0)
    assert len(links) == 1
    dog.fail("puppet error: boom")
    await clock.advance(0)
    assert links[0].closed and len(links) == 1  # dropped at once, then the backoff
    await clock.advance(dog.delay(1))  # the link gave no sign of life: second backoff step
    assert len(links) == 2
    await dog.stop()
    await task
    assert lost == ["puppet error: boom"]


async def test_connection_failures_are_retried() -> None:
    dog, links, lost, clock = make(fail_first=3)
    task = asyncio.create_task(dog.run())
    await clock.advance(0.01 + 0.02 + 0.039)  # the first two backoffs, most of the third
    assert links == [] and len(lost) == 3
    await clock.advance(0.001)  # the third backoff (0.04 s) ends: connected
    assert len(links) == 1
    await dog.stop()
    await task
    assert len(lost) == 3 and all(r.startswith("connect failed") for r in lost)


async def test_a_late_failure_does_not_cut_the_backoff_short() -> None:
    times = WatchdogTimes(quiet=5, backoff_first=0.3, backoff_max=0.3)
    clock = ManualTime()
    links: list[FakeLink] = []

    async def connect() -> FakeLink:
        links.append(FakeLink(None))
        return links[-1]

    dog = Watchdog(connect, times, now=clock, wait=clock.wait)
    task = asyncio.create_task(dog.run())
    await clock.advance(0)
    assert len(links) == 1
    dog.fail("first")
    await clock.advance(0.05)
    dog.fail("echo of the first, from the dropped link")
    await clock.advance(0.24)
    assert len(links) == 1  # still waiting out the backoff (0.29 of 0.3 s)
    await clock.advance(0.01)
    assert len(links) == 2
    await dog.stop()
    await task


@pytest.mark.parametrize("quiet", [0.08, 120.0])
def test_tick_is_a_fraction_of_the_quiet_time(quiet: float) -> None:
    tick = WatchdogTimes(quiet=quiet).tick
    assert 0 < tick <= quiet / 4 and tick <= 5
