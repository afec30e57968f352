"""The one error hook: what happens when handling a message a person sent fails.

Like python-telegram-bot's error handlers or aiogram's error middleware, every failure of an
inbound message ends here — a handler raised inside the dispatcher (its transaction rolled
back), or a channel could not turn what it received into an :class:`Inbound`. The hook logs the
failure once, with its context (message id, room, kind, the sender masked), and keeps the
message in ``failed_inbound`` (storage.failed), so the apology 「您的消息没有丢」 is true: the
message is handled again by ``liufang retry-failed`` and listed on the dashboard until then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from handlers.events import Inbound
from storage import failed
from storage.db import Database
from storage.models import FailedInbound

log = logging.getLogger(__name__)

DISPATCHER, CHANNEL = "dispatcher", "channel"  # where a message failed


def masked_id(contact_id: str) -> str:
    """A contact id as logs show it: enough to tell two people apart, not to reach one."""
    if len(contact_id) <= 6:
        return "…"
    return f"{contact_id[:4]}…{contact_id[-2:]}"


def describe(exc: BaseException) -> str:
    """The failure in one line: its type and message."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def as_message(event: Inbound) -> failed.Message:
    """The storage form of an Inbound (the same fields: a field storage lacks is a TypeError)."""
    return failed.Message(**{f.name: getattr(event, f.name) for f in fields(event)})


def inbound_of(row: FailedInbound) -> Inbound:
    """The kept message as the Inbound it was, to handle again."""
    m = failed.message_of(row)
    return Inbound(**{f.name: getattr(m, f.name) for f in fields(m)})


class ErrorHook:
    """Logs a failed inbound message with its context and keeps it to be handled again."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    def failed(self, event: Inbound, exc: BaseException, *, stage: str = DISPATCHER) -> bool:
        """Log and keep ``event``; whether it was kept (the database may be what failed)."""
        log.error(
            "%s failed on message %s (room %s, kind %s, sender %s): %s",
            stage,
            event.msg_id,
            event.room_id or "private",
            event.kind,
            masked_id(event.sender_id),
            describe(exc),
            exc_info=exc,
        )
        try:
            with self._db.session() as session:
                failed.record(
                    session, as_message(event), stage=stage, error=describe(exc), now=self._clock()
                )
                session.commit()
        except SQLAlchemyError:
            log.exception("could not keep failed message %s: it is only in this log", event.msg_id)
            return False
        return True

    def settle(self, msg_id: str) -> None:
        """Mark a kept message handled outside a handling transaction (it was handled before:
        a retry found its ticket already filed)."""
        with self._db.session() as session:
            failed.settle(session, msg_id, self._clock())
            session.commit()


@dataclass(frozen=True, slots=True)
class RetryOutcome:
    """What one retry run did: messages handled now, and still failing."""

    handled: int
    failing: int


class FailureSink(Protocol):
    """How a channel hands a failure to the hook (:meth:`ErrorHook.failed`)."""

    def __call__(self, event: Inbound, exc: BaseException, *, stage: str = ...) -> bool:
        """Log and keep ``event``; whether it was kept."""
        ...


def retry_failed(
    db: Database, process: Callable[[Inbound], object], limit: int = 100
) -> RetryOutcome:
    """Handle every kept message again, oldest first, through ``process`` (the dispatcher's
    retry): a message handled now is settled in its own transaction; one failing again stays
    kept. Idempotent: a settled message is never handled twice."""
    with db.session() as session:
        rows = failed.open_failures(session, limit)
        ids = [row.msg_id for row in rows]
        events = [inbound_of(row) for row in rows]
        for msg_id in ids:
            failed.note_retry(session, msg_id)
        session.commit()
    for event in events:
        process(event)
    with db.session() as session:
        still = {row.msg_id for row in failed.open_failures(session, limit)}
    failing = sum(1 for msg_id in ids if msg_id in still)
    return RetryOutcome(handled=len(ids) - failing, failing=failing)
