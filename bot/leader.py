"""Leadership at run time: which process owns the chat account, the sender and the scheduler.

SQLite (:class:`SoloLeadership`): the one process allowed on the file is the leader from the
start. PostgreSQL (:class:`LeaseLeadership`): every process serves the web pages; the one
holding the lease (``storage.leader.Lease``) also connects WeChat, sends and runs the
scheduler. A standby checks every ``[ha] check_seconds`` and takes over once the leader's lease
has run out (a dead leader: at most ``lease_seconds`` plus one check). A leader that can no
longer renew stops sending at its local deadline, before the lease could pass to anyone, and
then leaves the process (exit status 75) so that its supervisor starts it again as a standby.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError

from bot.config_ops import HaSettings
from storage.db import Database
from storage.leader import Lease, SqliteLock, holder_id

log = logging.getLogger(__name__)

EXIT_DEPOSED = 75  # EX_TEMPFAIL: "try again", which is what the supervisor should do

Hook = Callable[[], Awaitable[None]]


class SoloLeadership:
    """SQLite: this process is the only one on the database file, so it always leads."""

    solo = True
    previous_holder = ""

    def __init__(self, db: Database) -> None:
        self._lock = SqliteLock(db)
        self._lock.acquire()  # raises LeaderBusy with a clear message for a second process
        self.holder = holder_id()
        # Each run is a new term, so the outbox claims of a killed run are taken over at once.
        self.epoch = time.time_ns() // 1_000_000

    @property
    def is_leader(self) -> bool:
        """Always: nobody else may run on this file."""
        return True

    @property
    def role(self) -> str:
        """leader."""
        return "leader"

    async def run(self, on_elected: Hook, on_lost: Hook) -> None:
        """Lead at once; never lose it."""
        await on_elected()

    @property
    def first_check(self) -> asyncio.Event:
        """Already decided: this process leads."""
        done = asyncio.Event()
        done.set()
        return done

    async def stop(self) -> None:
        """Let another process open the file."""
        self._lock.release()


class LeaseLeadership:
    """PostgreSQL: compete for the lease, lead while holding it, fence when it slips."""

    solo = False

    def __init__(
        self,
        db: Database,
        ha: HaSettings,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lease = Lease(db, ha.lease_seconds, monotonic=monotonic)
        self.check_seconds = ha.check_seconds
        self.elected_at: float | None = None
        self.first_check = asyncio.Event()  # set once the first check (and election) is done
        self._stopping = False

    @property
    def is_leader(self) -> bool:
        """Whether this process may send now (checked before every send: the fence)."""
        return self.lease.held

    @property
    def role(self) -> str:
        """leader or standby."""
        return "leader" if self.is_leader else "standby"

    @property
    def epoch(self) -> int:
        """The current term's fencing token (0 when not leading)."""
        return self.lease.epoch or 0

    @property
    def holder(self) -> str:
        """This process's name in the lease and in outbox claims."""
        return self.lease.me

    @property
    def previous_holder(self) -> str:
        """Who held the lease before this process took it ('' after a clean hand-over)."""
        return self.lease.previous_holder

    async def run(self, on_elected: Hook, on_lost: Hook) -> None:
        """Check the lease until stopped; call ``on_elected`` once, ``on_lost`` if it slips."""
        leading = False
        while not self._stopping:
            held = await asyncio.to_thread(self.lease.step)
            if held and not leading:
                leading = True
                self.elected_at = time.monotonic()
                log.warning("leadership: this process leads now (term %d)", self.lease.epoch)
                try:
                    await on_elected()
                finally:
                    self.first_check.set()
            elif leading and not held:
                log.error("leadership: lost the lease; stopped sending")
                await on_lost()
                return
            self.first_check.set()
            await asyncio.sleep(self.check_seconds)

    async def stop(self) -> None:
        """Stop checking and hand the lease over at once (a clean stop)."""
        self._stopping = True
        try:
            await asyncio.to_thread(self.lease.release)
        except SQLAlchemyError as exc:  # the standby takes over when the lease runs out
            log.warning("leadership: could not hand the lease over at stop: %s", exc)
