"""The outbox: every message the bot sends is first a row, written with what caused it.

A sender loop claims the due rows (``storage/outbox_send.py``: the sender's reads and marks),
delivers them through the channel and marks each one delivered or failed. Times are
timezone-aware; they are stored as UTC and read back as UTC.

``kind`` is ``reply`` (an answer to the person who just wrote) or ``followup`` (a reminder,
digest, or a notice told to other rooms or people); only follow-ups may be merged or held back
for quiet hours, and ``urgent`` ones never are held. ``urgent`` is also the row's priority,
set by whoever writes it: urgent rows are sent before every other row due for the same room.
``sent_chars`` is how much of a long text already went out in parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.core import insert_rows
from storage.models import OutboxMessage

MENTION_SEPARATOR = ","
_MENTIONS_MAX = 2000  # the column's length; PostgreSQL would refuse a longer value
# The most people one message calls: WeChat refuses (and readers skip) a wall of @names.
MENTIONS_PER_MESSAGE = 20
_LAST_ERROR_MAX = 500  # the column's length: a long traceback must not fail the update


def enqueue(
    session: Session,
    *,
    room_id: str | None,
    to_id: str | None,
    text: str,
    mention_ids: Sequence[str],
    now: datetime,
    kind: str = "reply",
    urgent: bool = False,
    flush: bool = True,
) -> OutboxMessage:
    """Add a message to send as soon as possible; never commits.

    ``flush`` gives the row its id at once; callers queueing several replies at the end of a
    transaction pass False and let the commit write them together.
    """
    row = OutboxMessage(
        room_id=room_id,
        to_id=to_id,
        text=text,
        mention_ids=_mentions(room_id, to_id, mention_ids),
        created_at=now,
        not_before=now,
        kind=kind,
        urgent=urgent,
    )
    session.add(row)
    if flush:
        session.flush()
    return row


@dataclass(frozen=True, slots=True)
class Queued:
    """One message for :func:`enqueue_many` (the arguments of :func:`enqueue`)."""

    room_id: str | None
    to_id: str | None
    text: str
    mention_ids: Sequence[str]
    kind: str = "reply"
    urgent: bool = False


def enqueue_many(session: Session, messages: Sequence[Queued], now: datetime) -> None:
    """:func:`enqueue` each message, in order, in one INSERT (no objects); never commits.

    For the end of a transaction, where nothing reads the rows back: a dispatcher or sweep
    reply costs one executemany row instead of an ORM object and its flush.
    """
    rows = [
        {
            "room_id": m.room_id,
            "to_id": m.to_id,
            "text": m.text,
            "mention_ids": _mentions(m.room_id, m.to_id, m.mention_ids),
            "created_at": now,
            "not_before": now,
            "kind": m.kind,
            "urgent": m.urgent,
        }
        for m in messages
    ]
    insert_rows(session, OutboxMessage, rows)


def _mentions(room_id: str | None, to_id: str | None, mention_ids: Sequence[str]) -> str:
    """The checked, joined mentions of a new message (which must have a room or a person)."""
    if room_id is None and to_id is None:
        raise ValueError("an outbox message needs a room_id or a to_id")
    if isinstance(mention_ids, str):
        # A bare string is a Sequence[str] too: it would be split into characters.
        raise TypeError("mention_ids must be a sequence of contact ids, not a string")
    for contact_id in mention_ids:
        if not contact_id or MENTION_SEPARATOR in contact_id:
            raise ValueError(f"invalid contact id to mention: {contact_id!r}")
    mentions = MENTION_SEPARATOR.join(mention_ids)
    if len(mentions) > _MENTIONS_MAX:
        raise ValueError(f"too many mentions ({len(mention_ids)}) for one message")
    return mentions


def mention_chunks(
    mention_ids: Sequence[str], per_message: int = MENTIONS_PER_MESSAGE
) -> list[tuple[str, ...]]:
    """The ids split into groups one message can carry (by count and by the column's length)."""
    chunks: list[tuple[str, ...]] = []
    chunk: list[str] = []
    for contact_id in mention_ids:
        joined = len(MENTION_SEPARATOR.join((*chunk, contact_id)))
        if chunk and (len(chunk) >= per_message or joined > _MENTIONS_MAX):
            chunks.append(tuple(chunk))
            chunk = []
        chunk.append(contact_id)
    if chunk:
        chunks.append(tuple(chunk))
    return chunks


def pending(session: Session) -> list[OutboxMessage]:
    """Every undelivered message still being tried, whenever it is due, oldest first."""
    statement = (
        select(OutboxMessage)
        .where(col(OutboxMessage.delivered_at).is_(None), col(OutboxMessage.dead_at).is_(None))
        .order_by(col(OutboxMessage.id))
    )
    return list(session.exec(statement).all())


def mark_dead(session: Session, msg_ids: Sequence[int], error: str, now: datetime) -> None:
    """Give up on messages whose recipient refused every attempt (a dead letter): they are no
    longer due, so the recipient's later rows go; the dashboard lists them."""
    if not msg_ids:
        return
    session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(msg_ids), col(OutboxMessage.delivered_at).is_(None))
        .values(
            dead_at=now,
            attempts=OutboxMessage.attempts + 1,
            last_error=error[:_LAST_ERROR_MAX],
        )
    )
    session.flush()


def dead_letters(session: Session, limit: int = 100) -> list[OutboxMessage]:
    """The messages given up on, newest first."""
    statement = (
        select(OutboxMessage)
        .where(col(OutboxMessage.dead_at).is_not(None), col(OutboxMessage.delivered_at).is_(None))
        .order_by(col(OutboxMessage.dead_at).desc(), col(OutboxMessage.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement).all())


def _row(session: Session, msg_id: int) -> OutboxMessage:
    """The outbox row with this id; a missing one is a bug in the caller."""
    row = session.get(OutboxMessage, msg_id)
    if row is None:
        raise LookupError(f"no outbox message {msg_id}")
    return row


def mark_delivered(session: Session, msg_id: int, now: datetime) -> None:
    """Record that the message went out, so it is never sent again."""
    row = _row(session, msg_id)
    row.delivered_at = now
    session.flush()


def mark_progress(session: Session, msg_id: int, sent_chars: int) -> None:
    """Record that ``text[:sent_chars]`` went out (the parts of a long text sent so far)."""
    row = _row(session, msg_id)
    if not 0 <= sent_chars <= len(row.text):
        raise ValueError(f"sent_chars {sent_chars} outside the text of message {msg_id}")
    row.sent_chars = sent_chars
    session.flush()


def mark_failed(session: Session, msg_id: int, error: str, retry_at: datetime) -> None:
    """Count a failed attempt, keep the error, and hold the message back until ``retry_at``."""
    row = _row(session, msg_id)
    row.attempts += 1
    row.last_error = error[:_LAST_ERROR_MAX]
    row.not_before = retry_at
    session.flush()


class HasMentions(Protocol):
    """A stored message (an ORM row or the sender's :class:`~storage.outbox_send.DueRow`)."""

    @property
    def mention_ids(self) -> str:
        """The comma-joined contact ids."""


def mention_list(row: HasMentions) -> tuple[str, ...]:
    """The contact ids the message @-mentions, in the order they were given."""
    if not row.mention_ids:
        return ()
    return tuple(row.mention_ids.split(MENTION_SEPARATOR))
