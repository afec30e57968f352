"""Time travel on the console: the app's clock moved forward, stopping where something is due."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from datetime import datetime, time, timedelta

from bot.channels.base import Channel
from bot.clock import MAX_TRAVEL, TravelClock
from bot.config import Settings
from bot.delivery import OutboxSender
from bot.scheduler import Scheduler
from handlers.context import Services
from storage import followups
from storage.db import Database


class TimeTravel:
    """The :class:`~bot.app.App`'s time travel (a mixin)."""

    settings: Settings
    channel: Channel
    db: Database
    clock: Callable[[], datetime]
    services: Services
    scheduler: Scheduler
    sender: OutboxSender

    async def travel_to(self, target: datetime) -> None:
        """Move a TravelClock to ``target``, stopping at each moment something falls due.

        The stops are the pending follow-ups' due times (read again after every stop, so a
        re-alert planned at one stop is a later stop), each local midnight and every time of
        day the follow-up rules name (digests, visits, quiet hours): an urgent ticket is
        re-alerted at 15 and 30 minutes, a digest posts at its hour, and a quiet month costs
        about thirty stops instead of one every few minutes. Refused on a real chat channel
        and beyond :data:`MAX_TRAVEL`.
        """
        clock = self.clock
        if not isinstance(clock, TravelClock):
            raise TypeError("time travel needs a TravelClock")
        if getattr(self.channel, "real", False):
            raise PermissionError("no time travel while a real chat channel is connected")
        if target - clock() > MAX_TRAVEL:
            raise ValueError(f"time travel is limited to {MAX_TRAVEL.days} days a step")
        stop = clock()
        while stop < target:
            # Stops are counted from the last stop, not from the clock after its sweep: a row
            # falling due while that sweep ran (the travel clock runs on with real time) is
            # still a stop of its own, not skipped to a later one that would merge its rung.
            upcoming = await asyncio.to_thread(self._next_stop, stop)
            stop = max(clock(), min(target, upcoming))
            clock.set(stop)
            await self.scheduler.run_due()
        await self.sender.flush()

    def _next_stop(self, now: datetime) -> datetime:
        """The first moment after ``now`` at which something may fall due."""
        with self.db.session() as session:
            due = followups.next_due(session, now)
        rules = self.services.policy.followups
        times = {time(0, 0)} | {
            value
            for f in dataclasses.fields(rules)
            if isinstance(value := getattr(rules, f.name), time)
        }
        local = now.astimezone(self.settings.tz)
        stops = [due] if due is not None else []
        for at in times:
            moment = datetime.combine(local.date(), at, tzinfo=self.settings.tz)
            stops.append(moment if moment > local else moment + timedelta(days=1))
        return min(stops)
