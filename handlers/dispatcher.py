"""The one dispatcher: an Inbound goes in, handlers run in one transaction, replies come out.

Every reply is written to the outbox in the same transaction as the ticket change that caused
it, so a crash can lose neither; the outbox sender is the one place that sends.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session

from handlers.context import Context, Services
from handlers.errors import DISPATCHER, ErrorHook, RetryOutcome, retry_failed
from handlers.events import Inbound, Reply
from handlers.followups.engine import Planner, enqueue_replies
from handlers.sending import SenderLimits, prioritise
from handlers.understanding import normalize_text, strip_invisible
from storage import audit, directory_cache, failed, followups
from storage.db import Database
from storage.tickets import is_duplicate_source_error

log = logging.getLogger(__name__)

SORRY = "抱歉，刚才处理出错了，您的消息没有丢，请稍后再发一次。"


class Handler(Protocol):
    """A feature: returns its replies when the message is for it, ``None`` to pass it on."""

    name: str

    def handle(self, ctx: Context) -> list[Reply] | None:
        """Handle the message or return ``None``."""
        ...


class Dispatcher:
    """Feeds each Inbound to the first handler that takes it and records its replies."""

    def __init__(
        self,
        db: Database,
        services: Services,
        handlers: Sequence[Handler],
        planner: Planner | None = None,
        *,
        per_sender_per_minute: int = 0,
    ) -> None:
        self._db = db
        # One connection and session for every message's transaction (SQLite): see
        # storage.writer.
        self._writer = db.writer()
        self._services = services
        self._handlers = tuple(handlers)
        self._planner = planner
        self._directory = directory_cache.DirectoryCache()
        self._senders = SenderLimits(per_sender_per_minute)
        # The one error hook: a failed message is logged with its context and kept.
        self.errors = ErrorHook(db, services.clock)
        # Whether this process alone writes the directory (the leader): only then may the
        # cache outlive a message. A standby reads it afresh; the leader may change it.
        self.owns_directory: Callable[[], bool] = lambda: True
        self._owned = True
        # Messages are handled one at a time, in arrival order: a command must see the
        # ticket that the report just before it created.
        self._lock = asyncio.Lock()

    async def process(
        self, event: Inbound, then: Callable[[], object] | None = None
    ) -> list[Reply]:
        """Handle one message; returns the replies that were queued for sending.

        ``then`` runs right after, in the same worker thread (the outbox sender's first read
        of what the message queued: one hop to a thread and back instead of two).
        """
        async with self._lock:
            if then is None:
                return await asyncio.to_thread(self.process_sync, event)
            return await asyncio.to_thread(self._process_then, event, then)

    def _process_then(self, event: Inbound, then: Callable[[], object]) -> list[Reply]:
        replies = self.process_sync(event)
        then()
        return replies

    async def process_as(self, event: Inbound, only: Handler) -> list[Reply]:
        """A command given outside the chat (the dashboard), run by ``only`` in the same
        order, transaction, follow-up planning and outbox as a chat message.

        Every reply is returned; those addressed to the sender are not queued, since the
        sender is not in the chat: the page shows them instead. A failure is logged, not kept
        for ``retry-failed`` (the page has told the person that nothing changed).
        """
        async with self._lock:
            return await asyncio.to_thread(self.process_sync, event, only=only)

    def retry(self, limit: int = 100) -> RetryOutcome:
        """Handle the kept failed messages again (``liufang retry-failed``), oldest first."""
        return retry_failed(self._db, lambda e: self.process_sync(e, retry=True), limit)

    def process_sync(
        self, event: Inbound, *, retry: bool = False, only: Handler | None = None
    ) -> list[Reply]:
        """Synchronous core of :meth:`process`, for benchmarks and batch tools.

        ``retry``: the message was kept after a failure; handling it settles it in the same
        transaction, and failing again queues no second apology. ``only``: see
        :meth:`process_as`.
        """
        # A display name or group topic with bidi controls would reorder the cards it is in.
        name, topic = strip_invisible(event.sender_name), strip_invisible(event.room_topic)
        if name != event.sender_name or topic != event.room_topic:  # else the same event
            event = dataclasses.replace(event, sender_name=name, room_topic=topic)
        owner = self.owns_directory()
        if not (owner and self._owned):  # a standby, or the first message as the leader
            self._directory.forget()
        self._owned = owner
        try:
            with self._writer.session() as session:
                if owner and self._db.dialect != "sqlite":
                    # Several processes serve the dashboard: a role changed in another one
                    # shows here as a newer audit row, and this process's copy is stale.
                    self._directory.check_version(audit.latest_id(session))
                self._directory.attach(session)
                replies = self._run(session, event, only)
                touched = followups.take_touched(session)
                if touched and self._planner is not None:
                    # Re-plan the changed tickets' follow-ups in the same transaction.
                    self._planner(session, touched, self._services.clock(), self._services)
                self._enqueue(session, replies if only is None else _not_to(event, replies))
                if retry:
                    failed.settle(session, event.msg_id, self._services.clock())
                self._writer.commit(session)
                self._directory.after_commit(session)
                return replies
        except IntegrityError as exc:
            if is_duplicate_source_error(exc):
                log.info("message %s was delivered again; already handled", event.msg_id)
                if retry:
                    self.errors.settle(event.msg_id)
                return []
            failure: Exception = exc
        except Exception as exc:  # the error hook: whatever a handler raised ends here
            failure = exc
        if only is not None:  # a dashboard action: nothing to keep or queue, the page says so
            log.error("web action %s failed", event.msg_id, exc_info=failure)
            return [Reply(text=SORRY, to_id=event.sender_id)]
        self.errors.failed(event, failure, stage=DISPATCHER)
        return [] if retry else self._apologise(event)

    def close(self) -> None:
        """Give back the connection held for the messages' transactions."""
        self._writer.close()

    def _run(self, session: Session, event: Inbound, only: Handler | None = None) -> list[Reply]:
        text = normalize_text(event.text)
        limit = self._services.max_text_chars
        truncated = len(text) > limit
        group = self._directory.group(session, event.room_id) if event.room_id else None
        if group is not None and event.room_topic and group.topic != event.room_topic:
            group.topic = event.room_topic  # renamed in WeChat: the binding is by room id
            session.add(group)
        members = self._directory.member_roles(session, event.sender_id)
        if group is not None:
            community = group.community_code
            members = [m for m in members if m.community_code == community]
        ctx = Context(
            event=event,
            session=session,
            services=self._services,
            now=self._services.clock(),
            text=text[:limit],
            truncated=truncated,
            group=group,
            member=members[0] if members else None,
        )
        for handler in self._handlers if only is None else (only,):
            replies = handler.handle(ctx)
            if replies is not None:
                replies = prioritise(event, replies, ctx.urgent)
                return self._senders.apply(event, replies, ctx.now, ctx.role)
        return []

    def _enqueue(self, session: Session, replies: Sequence[Reply]) -> None:
        enqueue_replies(session, replies, self._services.clock())

    def _apologise(self, event: Inbound) -> list[Reply]:
        if event.is_private:
            reply = Reply(text=SORRY, to_id=event.sender_id)
        else:
            reply = Reply(text=SORRY, room_id=event.room_id, mention_ids=(event.sender_id,))
        try:
            with self._db.session() as session:
                self._enqueue(session, [reply])
                session.commit()
        except SQLAlchemyError:  # the database is down: the message itself is in the log
            log.exception("could not queue the apology for message %s", event.msg_id)
        return [reply]


def _not_to(event: Inbound, replies: Sequence[Reply]) -> list[Reply]:
    """``replies`` without the private answers to the event's sender."""
    return [r for r in replies if not (r.room_id is None and r.to_id == event.sender_id)]
