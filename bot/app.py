"""Composition root: the running bot, its start and stop, around the parts it builds.

Building the parts is in ``bot/assembly.py`` (its builders are re-exported here); the app's
reports, time travel and backlog handling are mixins in ``bot/app_reports.py``,
``bot/app_travel.py`` and ``bot/app_backlog.py``.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.alerts import AlertMonitor, AlertSender
from bot.app_backlog import HoldBack
from bot.app_reports import SelfReports
from bot.app_travel import TimeTravel
from bot.assembly import (
    build_dispatcher,
    build_engine,
    build_scheduler,
    build_services,
    build_web,
    freeze_startup_heap,
    open_database,
    system_clock,
)
from bot.channels.base import Backlogged, Channel, SelfReporting
from bot.channels.simulator import SimulatorChannel
from bot.config import Settings
from bot.delivery import OutboxSender
from bot.health import Health
from bot.leader import EXIT_DEPOSED, LeaseLeadership, SoloLeadership
from bot.metrics import Metrics
from bot.understanding import load_understanding
from handlers.understanding import Understanding
from storage.db import Database, redact_url
from storage.outbox_send import Claimant
from storage.sendlog import SendJournal

__all__ = [
    "App",
    "LeadershipLost",
    "build_dispatcher",
    "build_engine",
    "build_scheduler",
    "build_services",
    "build_web",
    "freeze_startup_heap",
    "load_understanding",
    "open_database",
    "system_clock",
]

log = logging.getLogger(__name__)
CLAIM_LEASE = timedelta(minutes=2)  # a sender's claim on rows; a new term takes them at once
SENDER_STOP_SECONDS = 30.0  # at stop, how long the sender may take to finish its flush


class LeadershipLost(RuntimeError):
    """This process led and lost the lease: it stopped sending and must restart as standby."""

    exit_status = EXIT_DEPOSED


class App(SelfReports, TimeTravel, HoldBack):
    """The running bot: start/stop lifecycle around one channel, and the web server if any.

    Only the leader connects the channel, sends and runs the scheduler (bot/leader.py); on
    SQLite that is always this process, on PostgreSQL whichever holds the lease. Every process
    serves the web pages; a standby's writes (Open311, the simulator) go into the outbox for
    the leader to send.
    """

    def __init__(
        self,
        settings: Settings,
        channel: Channel,
        clock: Callable[[], datetime] | None = None,
        nlp: Understanding | None = None,
        *,
        serve_web: bool = False,
    ) -> None:
        self.settings = settings
        self.channel = channel
        self.clock = clock or system_clock(settings)
        self.nlp = nlp or load_understanding(settings)
        self.leadership: SoloLeadership | LeaseLeadership
        probe = Database(settings.database_url)
        if probe.dialect == "sqlite":
            # Refuse a second process before touching the file (raises LeaderBusy).
            self.leadership = SoloLeadership(probe)
        probe.dispose()
        self.db = open_database(settings)
        if self.db.dialect != "sqlite":
            self.leadership = LeaseLeadership(self.db, settings.ha)
        self.dispatcher = build_dispatcher(settings, self.db, self.clock, self.nlp)
        # Roles and bindings are cached only while this process is the one that changes them.
        self.dispatcher.owns_directory = lambda: self.leadership.is_leader
        self.metrics = Metrics(
            self.db, channel, self.clock, is_leader=lambda: self.leadership.is_leader
        )
        self.sender = OutboxSender(
            self.db,
            channel,
            self.clock,
            delivery=settings.delivery,
            quiet=settings.followups,
            may_send=lambda: self.leadership.is_leader,
            observer=self.metrics,
            claimant=self._claimant,
            journal=SendJournal(self.db),
        )
        self._sender_task: asyncio.Task[None] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.services = build_services(settings, self.clock, self.nlp)
        self.scheduler = build_scheduler(settings, self.db, self.services, self.sender.flush)
        self.scheduler.on_run = self.metrics.sweep.observe
        self.health = Health(
            self.db,
            channel,
            self.clock,
            role=lambda: self.leadership.role,
            last_run=lambda: self.scheduler.last_run,
            run_interval=self.scheduler.interval,
            stuck_after_s=settings.alerts.outbox_stuck_minutes * 60,
        )
        self.alerts = AlertMonitor(
            AlertSender(settings.alerts, settings.bot_name), settings.alerts, self.clock
        )
        self.sender.on_dead_letter = self._dead_letter
        if isinstance(channel, SelfReporting):
            channel.notify = self.queue_replies  # e.g. WeChat's "was offline" note
            channel.errors = self.dispatcher.errors.failed  # WeChat: unreadable messages kept
            channel.lost_listeners.append(self._channel_lost)
            channel.secretaries = self._secretaries
        self._held_back = 0  # messages handled whose replies wait for the backlog's end
        # Asked at every message: a runtime Protocol check costs more than the answer.
        self._backlog = channel.backlog if isinstance(channel, Backlogged) else None
        if isinstance(channel, Backlogged):
            channel.on_idle = self._send_held_back
        if isinstance(channel, SimulatorChannel):
            channel.directory = self._simulator_directory
        self.leading = False  # the channel, sender and scheduler are running here
        self.deposed = False
        self._failure: BaseException | None = None
        self._finished = asyncio.Event()
        # ``[web] enabled = false`` turns the web server off even where one is wanted.
        self.web = build_web(self) if serve_web and settings.web.enabled else None

    def _claimant(self) -> Claimant:
        """Outbox claims are made under this process's leadership term."""
        return Claimant(self.leadership.holder, self.leadership.epoch, CLAIM_LEASE)

    async def start(self) -> None:
        """Serve the web pages and compete for leadership; the leader connects and sends."""
        log.info("database: %s", redact_url(self.settings.database_url))
        if self.leadership.solo:
            await self._lead()
        else:
            self._spawn(self.leadership.run(self._lead, self._lose))
            # A lone instance is the leader by the time start() returns; a standby is not.
            await self.leadership.first_check.wait()
        self._spawn(self._watch_health())
        if self.web is not None:
            try:
                await self.web.start()
            except OSError:  # the port is taken: stop what started, then say so
                await self.stop()
                raise

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        task.add_done_callback(self._task_done)
        self._tasks.append(task)

    def _task_done(self, task: asyncio.Future[None]) -> None:
        """A background task that fails (say, the channel cannot start on taking over) ends
        the run loudly instead of leaving a leader that does nothing."""
        if task.cancelled() or task.exception() is None:
            return
        log.error("background task failed; stopping", exc_info=task.exception())
        self._failure = task.exception()
        self._finished.set()

    async def _lead(self) -> None:
        """Become the leader: deliver what is pending, catch up, connect the channel."""
        self.leading = True
        if not self.leadership.solo and self.leadership.previous_holder:
            await self.alerts.event(
                "takeover",
                "备用实例已接替",
                f"主实例（{self.leadership.previous_holder}）停止响应，"
                f"本实例已接管微信发送和定时任务（第 {self.leadership.epoch} 任）。"
                "请检查原主实例所在的机器。",
            )
        # Before the catch-up too: the sweep after downtime is the biggest one (thousands of
        # follow-ups), and without it a full collection during it walks everything start-up
        # loaded, 0.1-0.3 s each time. Again after it, for the statements it compiled.
        freeze_startup_heap()
        await self.sender.recover()  # what a killed predecessor left half-sent
        await self.sender.flush()
        # Catch up on what fell due while the bot was down, then keep checking periodically.
        await self.scheduler.run_due()
        freeze_startup_heap()
        self.scheduler.start()
        self._sender_task = asyncio.create_task(self.sender.run())
        await self.channel.start(self.on_inbound)
        self._spawn(self._watch_channel())

    async def _lose(self) -> None:
        """The lease slipped: sending already stopped (the fence); leave so a supervisor
        restarts this process as a standby."""
        self.deposed = True
        self._finished.set()

    def request_stop(self) -> None:
        """Ask :meth:`run` to stop in order (Ctrl-C, SIGTERM): it returns after :meth:`stop`."""
        self._finished.set()

    async def _watch_channel(self) -> None:
        await self.channel.wait_closed()
        self._finished.set()

    async def stop(self) -> None:
        """Disconnect, stop serving, deliver what is left, and close the database."""
        await self.scheduler.shutdown()
        # The channel first: the simulator wakes the pages that wait for a message, so the
        # web server does not wait for their long polls to time out.
        if self.leading:
            await self.channel.stop()
        if self.web is not None:
            await self.web.stop()
        await self._stop_sender()
        for task in self._tasks:
            if not task.done():
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass  # what cancel() asked for
                except Exception as exc:  # it failed before it could be cancelled: say so
                    log.warning("task %s ended with an error at stop: %r", task.get_name(), exc)
        if self.leading and not self.deposed:
            await self.sender.flush()
        await self.leadership.stop()  # a clean stop hands the lease over at once
        if self.sender.journal is not None:
            self.sender.journal.close()
        self.dispatcher.close()  # its held connection back to the pool, which dispose closes
        self.db.dispose()
        gc.unfreeze()  # what start-up loaded may be collected again (tests start many apps)

    async def _stop_sender(self) -> None:
        """End the sender loop after the flush under way: a send cut off between handing a
        part to the channel and recording it would be sent again after the restart."""
        task = self._sender_task
        if task is None or task.done():
            return
        self.sender.close()
        try:
            await asyncio.wait_for(asyncio.shield(task), SENDER_STOP_SECONDS)
        except TimeoutError:
            log.warning("the outbox sender did not finish its flush in time; cancelling it")
            task.cancel()
            await asyncio.wait([task])
        except Exception as exc:  # it failed before it could end: say so
            log.warning("the outbox sender ended with an error at stop: %r", exc)

    async def run(self, on_started: Callable[[], None] | None = None) -> None:
        """Run until the channel ends (end of console input) or the task is cancelled;
        ``on_started`` is called once everything is up (to print where to find it).
        Raises LeadershipLost when this process led and lost the lease."""
        await self.start()
        if on_started is not None:
            on_started()
        try:
            await self._finished.wait()
        finally:
            await self.stop()
        if self._failure is not None:
            raise self._failure
        if self.deposed:
            raise LeadershipLost("lost the leadership lease; restart as a standby")
