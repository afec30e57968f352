"""Failed inbound messages: what a person sent that the bot could not handle, kept whole.

The error hook (handlers/errors.py) records a message here when handling it failed, in its own
transaction after the failed one rolled back. It stays *open* until a later attempt handles it:
the dispatcher settles it in the same transaction as the handling, so a message is settled
exactly when its effects are committed, and retrying a settled message does nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from storage.models import FailedInbound

_ERROR_MAX = 500  # the column's length
_SEPARATOR = ","


@dataclass(frozen=True, slots=True)
class Message:
    """The fields of an inbound message, as the channel reported it (handlers.events.Inbound
    has the same names; storage does not import handlers)."""

    msg_id: str
    room_id: str | None
    room_topic: str
    sender_id: str
    sender_name: str
    text: str
    at: datetime
    mentions: tuple[str, ...] = ()
    is_to_bot: bool = False
    kind: str = "text"
    details: tuple[tuple[str, str], ...] = ()


def record(
    session: Session, message: Message, *, stage: str, error: str, now: datetime
) -> FailedInbound:
    """Keep ``message`` as failed (or count one more failure of it); never commits."""
    row = session.exec(select(FailedInbound).where(FailedInbound.msg_id == message.msg_id)).first()
    if row is None:
        row = FailedInbound(
            msg_id=message.msg_id,
            stage=stage,
            room_id=message.room_id,
            room_topic=message.room_topic,
            sender_id=message.sender_id,
            sender_name=message.sender_name,
            text=message.text,
            kind=message.kind,
            mention_ids=_SEPARATOR.join(message.mentions),
            is_to_bot=message.is_to_bot,
            details=json.dumps([list(pair) for pair in message.details], ensure_ascii=False),
            sent_at=message.at,
            error=error[:_ERROR_MAX],
            failed_at=now,
            last_failed_at=now,
        )
    else:
        row.failures += 1
        row.error = error[:_ERROR_MAX]
        row.last_failed_at = now
        row.settled_at = None  # handled once, failed again on a redelivery: open again
    session.add(row)
    session.flush()
    return row


def settle(session: Session, msg_id: str, now: datetime) -> bool:
    """Mark the open failure of ``msg_id`` handled (in the handling transaction); whether
    there was one."""
    done = session.exec(
        update(FailedInbound)
        .where(col(FailedInbound.msg_id) == msg_id, col(FailedInbound.settled_at).is_(None))
        .values(settled_at=now)
    )
    return int(done.rowcount) > 0


def note_retry(session: Session, msg_id: str) -> None:
    """Count one retry of ``msg_id`` (whatever its outcome); never commits."""
    session.exec(
        update(FailedInbound)
        .where(col(FailedInbound.msg_id) == msg_id)
        .values(retries=FailedInbound.retries + 1)
    )


def open_failures(session: Session, limit: int = 100) -> list[FailedInbound]:
    """The failed messages not handled yet, oldest first."""
    statement = (
        select(FailedInbound)
        .where(col(FailedInbound.settled_at).is_(None))
        .order_by(col(FailedInbound.id))
        .limit(limit)
    )
    return list(session.exec(statement).all())


def count_open(session: Session) -> int:
    """How many failed messages are not handled yet."""
    statement = (
        select(func.count())
        .select_from(FailedInbound)
        .where(col(FailedInbound.settled_at).is_(None))
    )
    return int(session.exec(statement).one())


def message_of(row: FailedInbound) -> Message:
    """The stored message, field for field as it was received."""
    pairs: Sequence[Sequence[str]] = json.loads(row.details or "[]")
    return Message(
        msg_id=row.msg_id,
        room_id=row.room_id,
        room_topic=row.room_topic,
        sender_id=row.sender_id,
        sender_name=row.sender_name,
        text=row.text,
        at=row.sent_at,
        mentions=tuple(i for i in row.mention_ids.split(_SEPARATOR) if i),
        is_to_bot=row.is_to_bot,
        kind=row.kind,
        details=tuple((str(name), str(value)) for name, value in pairs),
    )
