"""The scheduler: APScheduler triggers follow-up checks; the database and the clock decide.

One interval job runs every ``interval_seconds``: each step (the follow-up sweep, the digest
check, …) in a worker thread, one after the other, then ``after_run`` (the app flushes the
outbox). Whether something is due is decided by the steps against the injected clock, never by
APScheduler's own timers, so moving the clock (tests, console time travel) and catching up
after downtime go through the very same :meth:`Scheduler.run_due`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import tzinfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

Step = Callable[[], int]  # synchronous; returns how many things it did
AfterRun = Callable[[], Awaitable[object]]


class Scheduler:
    """Runs the due-work steps now and then, never two runs at once, never crashing."""

    def __init__(
        self,
        steps: Sequence[Step],
        *,
        timezone: tzinfo,
        after_run: AfterRun | None = None,
        interval_seconds: float = 20.0,
    ) -> None:
        """Prepare the job; nothing runs until :meth:`start` (or :meth:`run_due`)."""
        self._steps = tuple(steps)
        self._after_run = after_run
        self._interval = interval_seconds
        self._aps = AsyncIOScheduler(timezone=timezone)
        # The periodic job, start-up catch-up and console time travel share one lock: a step
        # never runs twice at the same time, whoever asked for it.
        self._lock = asyncio.Lock()
        self.last_run: float | None = None  # time.monotonic() when the last run finished
        self.on_run: Callable[[float], None] | None = None  # told each run's duration (metrics)

    @property
    def interval(self) -> float:
        """Seconds between periodic runs."""
        return self._interval

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`shutdown`."""
        return bool(self._aps.running)

    def start(self) -> None:
        """Start the periodic job (call from inside the running event loop)."""
        self._aps.add_job(
            self._tick,
            "interval",
            seconds=self._interval,
            id="followups",
            max_instances=1,
            coalesce=True,
            # A busy loop may start the job late: run it late rather than skip it.
            misfire_grace_time=max(1, int(self._interval)),
            replace_existing=True,
        )
        self._aps.start()

    async def shutdown(self) -> None:
        """Stop the periodic job and wait for a run in progress to finish."""
        if self._aps.running:
            self._aps.shutdown(wait=False)
        async with self._lock:
            pass  # an in-flight run holds the lock until its transaction is done

    async def run_due(self) -> int:
        """Run everything due by the injected clock now; returns how many things were done."""
        async with self._lock:
            started = time.monotonic()
            done = 0
            for step in self._steps:
                try:
                    done += await asyncio.to_thread(step)
                except Exception:
                    # One broken step (say, digests) must not stop the others (the sweep).
                    log.exception("scheduled step %s failed; it runs again next time", _name(step))
            if self._after_run is not None:
                try:
                    await self._after_run()
                except Exception:
                    log.exception("after-run hook failed")
            self.last_run = time.monotonic()
            if self.on_run is not None:
                self.on_run(self.last_run - started)
            return done

    async def _tick(self) -> None:
        try:
            await self.run_due()
        except Exception:  # never let an error escape into APScheduler's executor
            log.exception("scheduled run failed")


def _name(step: Step) -> str:
    return getattr(step, "__qualname__", None) or getattr(step, "__name__", None) or repr(step)
