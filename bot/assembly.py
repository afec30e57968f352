"""Building the app's parts: database, services, dispatcher, follow-up engine, scheduler, web."""

from __future__ import annotations

import gc
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.directory import start_directory
from bot.scheduler import Scheduler, Step
from bot.volunteers import seed_volunteers
from bot.web.server import WebContext, WebServer, build_web_app
from handlers.commands.handler import CommandHandler
from handlers.context import Classifier, Services
from handlers.conversation import ConversationHandler
from handlers.dispatcher import Dispatcher, Handler
from handlers.escalate import EscalateHandler
from handlers.evidence import EvidenceHandler
from handlers.followups.digests import DigestStep
from handlers.followups.engine import FollowUpEngine
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
from handlers.workdays import use_extra_days
from storage.db import Database
from storage.leader import startup_lock

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("bot.app")  # the logger its code had before the split


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
