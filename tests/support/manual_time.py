"""A monotonic clock that tests move by hand, with the watchdog's wait on it (no real sleeps).

It is the ``now``/``wait`` pair of :class:`bot.watchdog.Watchdog`, and of
:class:`bot.channels.wechaty.WechatyChannel`, which hands it to its watchdog.
"""

from __future__ import annotations

import asyncio

SETTLE_ROUNDS = 50  # event-loop turns for woken tasks to run up to their next wait


async def settle() -> None:
    """Let every ready task run until it waits again (fakes answer at once)."""
    for _ in range(SETTLE_ROUNDS):
        await asyncio.sleep(0)


class ManualTime:
    """``now`` for :class:`bot.watchdog.Watchdog` (or the WeChat channel), and its ``wait``."""

    def __init__(self, start: float = 100.0) -> None:
        """Start at ``start`` seconds, with nobody waiting."""
        self.now = start
        self._waiters: list[tuple[float, asyncio.Future[None]]] = []

    def __call__(self) -> float:
        """The current time."""
        return self.now

    async def wait(self, event: asyncio.Event, seconds: float) -> None:
        """Return when ``event`` is set or the clock has been moved ``seconds`` on."""
        if event.is_set() or seconds <= 0:
            return
        timer: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (self.now + seconds, timer)
        self._waiters.append(entry)
        woken = asyncio.ensure_future(event.wait())
        try:
            await asyncio.wait({timer, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
            self._waiters.remove(entry)

    async def advance(self, seconds: float) -> None:
        """Move the clock on by ``seconds``, stopping at each deadline so every wait ends."""
        end = self.now + seconds
        await settle()
        while due := [at for at, timer in self._waiters if at <= end and not timer.done()]:
            self.now = max(self.now, min(due))
            for at, timer in self._waiters:
                if at <= self.now and not timer.done():
                    timer.set_result(None)
            await settle()
        self.now = end
        await settle()
