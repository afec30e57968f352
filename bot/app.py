"""Composition root: builds the database, understanding, dispatcher, channel and sender."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, time, timedelta
from functools import partial

from bot.alerts import AlertMonitor, AlertSender
from bot.channels.base import Backlogged, Channel, SelfReporting, channel_status
from bot.channels.simulator import SimDirectory, SimMember, SimRoom, SimulatorChannel
from bot.clock import MAX_TRAVEL, TravelClock
from bot.config import Settings
from bot.delivery import OutboxSender
from bot.delivery.deadletter import DeadLetter
from bot.directory import start_directory
from bot.health import Health
from bot.leader import EXIT_DEPOSED, LeaseLeadership, SoloLeadership
from bot.metrics import Metrics
from bot.scheduler import Scheduler, Step
from bot.understanding import load_understanding
from bot.volunteers import seed_volunteers
from bot.web.server import WebContext, WebServer, build_web_app
from handlers.commands.handler import CommandHandler
from handlers.context import Classifier, Services
from handlers.conversation import ConversationHandler
from handlers.dispatcher import Dispatcher, Handler
from handlers.escalate import EscalateHandler
from handlers.events import Inbound, Reply
from handlers.evidence import EvidenceHandler
from handlers.followups.digests import DigestStep
from handlers.followups.engine import FollowUpEngine, enqueue_replies
from handlers.followups.planner import reconcile
from handlers.followups.registry import follow_up_kinds
from handlers.hall.meetings import plan_all
from handlers.hall.notices import HALL_KINDS
from handlers.help import HelpHandler
from handlers.intake import IntakeHandler
from handlers.membership import MembershipHandler
from handlers.open311 import Open311Handler
from handlers.quotes import QuoteHandler
from handlers.teams.buildings import notify_building
from handlers.teams.offers import offer_to_team
from handlers.understanding import Understanding
from handlers.workdays import use_extra_days
from storage import directory, followups
from storage.db import Database, redact_url
from storage.directory_state import read_state
from storage.leader import startup_lock
from storage.outbox import Claimant
from storage.sendlog import SendJournal

log = logging.getLogger(__name__)
HEALTH_EVERY_SECONDS = 30.0  # how often the app looks at its own health to alert people
CLAIM_LEASE = timedelta(minutes=2)  # a sender's claim on rows; a new term takes them at once
# While received messages wait, at most this many are handled before their replies are sent.
HOLD_BACK_MAX = 20
SENDER_STOP_SECONDS = 30.0  # at stop, how long the sender may take to finish its flush


def system_clock(settings: Settings) -> Callable[[], datetime]:
    """The real clock in the configured time zone."""
    tz = settings.tz
    return lambda: datetime.now(tz)


def open_database(settings: Settings, now: datetime | None = None) -> Database:
    """Open the configured database, bring its schema up to date, seed or check the directory.

    The configuration seeds the directory at the first start only; later it is compared, and
    a difference is logged as one hint (the database wins: see ``bot.directory``). ``now``
    dates the seed (the real clock unless given). On PostgreSQL several processes may start
    at once: the start-up lock makes them take turns, so the migrations and the seed never
    race (no IntegrityError).
    """
    db = Database(settings.database_url)
    with startup_lock(db):
        db.upgrade()
        with db.session() as session:
            hint = start_directory(session, settings, now or datetime.now(settings.tz))
            seed_volunteers(session, settings)
            session.commit()
    if hint:
        log.warning("%s", hint)
    return db


def build_services(settings: Settings, clock: Callable[[], datetime], nlp: Classifier) -> Services:
    """The collaborators every handler is given."""
    use_extra_days(settings.calendar)  # the country's calendar: one for the whole process
    return Services(
        clock=clock,
        nlp=nlp,
        bot_name=settings.bot_name,
        max_text_chars=settings.max_text_chars,
        policy=settings.policy,
    )


def build_dispatcher(
    settings: Settings, db: Database, clock: Callable[[], datetime], nlp: Classifier
) -> Dispatcher:
    """The dispatcher with every feature handler, in the order they are asked."""
    services = build_services(settings, clock, nlp)
    # Group events and media first: the help handler answers every non-text message.
    handlers: list[Handler] = [
        Open311Handler(),  # web API requests only (kind "open311"); before the help handler
        MembershipHandler(),
        EvidenceHandler(),
        QuoteHandler(),  # a quoted reply: only the reply reaches the handlers after it
        CommandHandler(),
        EscalateHandler(),  # a reporter's 「急」 before it could be read as chatter
        ConversationHandler(),  # bare 满意, 「T1怎么样了」: before intake reads them as chatter
        IntakeHandler(after_filing=[offer_to_team, notify_building]),  # and 报事 in private
        HelpHandler(),  # the rest of private talk, and media it cannot read
    ]
    return Dispatcher(
        db,
        services,
        handlers,
        planner=reconcile,
        per_sender_per_minute=settings.delivery.per_sender_per_minute,
    )


def build_engine(db: Database, services: Services) -> FollowUpEngine:
    """The follow-up sweep with every feature's kinds and the ticket planner."""
    return FollowUpEngine(db, services, follow_up_kinds(HALL_KINDS), planner=reconcile)


def build_scheduler(
    settings: Settings,
    db: Database,
    services: Services,
    after_run: Callable[[], Awaitable[object]],
) -> Scheduler:
    """Meeting planning, the follow-up sweep and the digests, run periodically; ``after_run``
    sends. Meetings are planned first, so a notice due at once goes out in the same run."""
    steps: list[Step] = [
        partial(plan_all, db, services),
        build_engine(db, services).sweep,
        DigestStep(db, services),
    ]
    return Scheduler(steps, timezone=settings.tz, after_run=after_run)


def freeze_startup_heap() -> None:
    """Exempt what start-up loaded (jieba's dictionary, the lexicon) from garbage collection.

    Those objects live as long as the process; without this every full collection walks
    them again: about 65 ms per collection, measured as the tail of web latency under load.
    """
    gc.collect()
    gc.freeze()


def build_web(app: App) -> WebServer:
    """The web server (dashboard, simulator, Open311) around the app's own parts."""
    from bot.web.features import default_features  # the pages' templates load only when served

    context = WebContext(
        settings=app.settings,
        db=app.db,
        services=app.services,
        dispatcher=app.dispatcher,
        sender=app.sender,
        clock=app.clock,
        channel=app.channel,
        health=app.health,
        metrics=app.metrics,
        channel_status=app.channel_badge,
    )
    web = app.settings.web
    return WebServer(build_web_app(context, default_features()), web.host, web.port)


class LeadershipLost(RuntimeError):
    """This process led and lost the lease: it stopped sending and must restart as standby."""

    exit_status = EXIT_DEPOSED


class App:
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

    def channel_badge(self) -> tuple[str, str]:
        """The header's channel status: (css class, 已连接 / 已掉线 N 分钟 / 需要扫码)."""
        if not self.leadership.is_leader:
            return "standby", "备用实例（主实例在发送）"
        status = channel_status(self.channel)
        if status.logged_in:
            return "ok", status.label
        return ("scan" if status.needs_scan else "down"), status.label

    async def queue_replies(self, replies: Sequence[Reply]) -> None:
        """Queue messages no received message caused (a channel's notices), then send."""

        def write() -> None:
            with self.db.session() as session:
                enqueue_replies(session, replies, self.clock())
                session.commit()

        await asyncio.to_thread(write)
        await self.sender.flush()

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

    async def on_inbound(self, event: Inbound) -> None:
        """Handle one received message and send what it produced (or have it sent)."""
        self.metrics.messages_in.labels(kind=event.kind).inc()
        await self.dispatcher.process(event)
        channel = self.channel
        if (
            isinstance(channel, Backlogged)
            and self._held_back < HOLD_BACK_MAX
            and channel.backlog() > 0
        ):
            # More messages wait: handle them first and send all their replies in one flush
            # (channel.on_idle), rather than one flush each while the backlog grows. Sending
            # runs between messages, never beside one: a flush beside a dispatcher thread
            # slowed both (the GIL and SQLite's busy wait).
            self._held_back += 1
            return
        await self._send_received()

    async def _send_received(self) -> None:
        """Send what the received messages produced, including any held back."""
        self._held_back = 0
        await self.sender.flush()

    async def _send_held_back(self) -> None:
        """The channel has no message waiting: send the replies held back, if any."""
        if self._held_back:
            await self._send_received()

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

    async def _watch_channel(self) -> None:
        await self.channel.wait_closed()
        self._finished.set()

    def _secretaries(self) -> list[str]:
        """The secretaries as the database holds them (set in chat or on the dashboard)."""
        with self.db.session() as session:
            return directory.secretary_ids(session)

    async def _dead_letter(self, letter: DeadLetter) -> None:
        """Alert once when a recipient starts refusing every message (not for each row)."""
        if not letter.first:
            return
        kind, _, ident = letter.key.partition(":")

        def topic() -> str:
            with self.db.session() as session:
                group = directory.group_by_room(session, ident)
                return group.topic if group is not None else ident

        where = f"群「{await asyncio.to_thread(topic)}」" if kind == "room" else f"私聊 {ident}"
        await self.alerts.event(
            "dead_letter",
            "有消息一直发不出去，已放弃重试",
            f"发往{where}的消息连续 {self.sender.strikes.limit} 次发送失败（{letter.error}），"
            "已停止重试，其他群的消息照常发送。请检查机器人是否还在这个群里；"
            "没发出的消息在网页「处理失败」页上。",
        )

    def _simulator_directory(self) -> SimDirectory:
        """The groups and members the simulator offers, as the database holds them now."""
        with self.db.session() as session:
            state = read_state(session)
        return (
            [SimRoom(g.room_id, g.topic, g.kind, g.community, g.grid) for g in state.groups],
            [SimMember(m.contact_id, m.name, m.role, m.community, m.grid) for m in state.members],
        )

    def _channel_lost(self, reason: str) -> None:
        """The channel dropped its connection; a half-dead stream is worth an alert."""
        if reason.startswith("half dead"):
            self._spawn(
                self.alerts.event(
                    "half_dead",
                    "微信收不到消息，已重连",
                    f"网关有心跳但一直没有新消息（{reason}），机器人已重新连接。"
                    "这段时间群里的报事可能没有收到，请在群里提醒大家重发。",
                )
            )

    async def check_health(self) -> None:
        """Look at the health report once and alert people about what needs them."""
        report = await asyncio.to_thread(self.health.check)
        await self.alerts.observe(report)

    async def _watch_health(self) -> None:
        while True:
            await asyncio.sleep(HEALTH_EVERY_SECONDS)
            try:
                await self.check_health()
            except Exception:
                log.exception("health check failed")

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
