"""Planning a flush: which due rows wait for the quiet hours, and how the rest are grouped.

Pure functions over rows already loaded, so the rules are easy to test. Rows are grouped by
recipient (a room, or a person for private messages); there urgent rows go first, and rows of
the same priority keep their order. A run of consecutive ``followup`` rows of one priority for
one recipient becomes one message, joined by a blank line, as long as it fits the length
limit; ``reply`` rows are never merged, they answer a person.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.delivery.split import units
from handlers.policy import FollowUpRules
from storage.checks import saved_id
from storage.outbox import MENTIONS_PER_MESSAGE, mention_list

JOINER = "\n\n"


class Row(Protocol):
    """An outbox row as planning reads it: a :class:`~storage.outbox_send.DueRow` the sender
    claimed, or an :class:`~storage.models.OutboxMessage`."""

    @property
    def id(self) -> int | None:
        """The row's id."""

    @property
    def room_id(self) -> str | None:
        """The group it goes to, if any."""

    @property
    def to_id(self) -> str | None:
        """The person it goes to privately, if no group."""

    @property
    def text(self) -> str:
        """The whole text."""

    @property
    def mention_ids(self) -> str:
        """The comma-joined ids it @-mentions."""

    @property
    def kind(self) -> str:
        """``reply`` or ``followup``."""

    @property
    def urgent(self) -> bool:
        """Whether it goes first and through the quiet hours."""

    @property
    def sent_chars(self) -> int:
        """How much of the text already went out."""

    @property
    def created_at(self) -> datetime:
        """When it was written."""


def recipient(row: Row) -> str:
    """The key rows are queued, ordered and rate-limited by: ``room:<id>`` or ``to:<id>``."""
    return f"room:{row.room_id}" if row.room_id else f"to:{row.to_id}"


@dataclass(slots=True)
class Outgoing:
    """One message to send: a single row, or several follow-ups merged into one."""

    key: str
    room_id: str | None
    to_id: str | None
    text: str
    mention_ids: list[str]
    row_ids: list[int]
    kind: str
    urgent: bool
    sent_chars: int = 0  # progress through ``text`` (single rows only; merged ones start at 0)
    created_at: datetime | None = None  # the oldest row's, for the alert latency metric

    @classmethod
    def of(cls, row: Row) -> Outgoing:
        """The message for one row."""
        row_id = saved_id(row)
        return cls(
            key=recipient(row),
            room_id=row.room_id,
            to_id=None if row.room_id else row.to_id,
            text=row.text,
            mention_ids=list(mention_list(row)),
            row_ids=[row_id],
            kind=row.kind,
            urgent=row.urgent,
            sent_chars=row.sent_chars,
            created_at=row.created_at,
        )

    def absorb(self, other: Outgoing, limit: int) -> bool:
        """Merge a later follow-up into this one if both are whole follow-ups and it fits."""
        mergeable = (
            self.kind == other.kind == "followup"
            and self.urgent == other.urgent
            and self.sent_chars == other.sent_chars == 0
        )
        text = self.text + JOINER + other.text
        mentions = self.mention_ids + [m for m in other.mention_ids if m not in self.mention_ids]
        # Merging must not rebuild the wall of @names that the writer split up.
        if not mergeable or units(text) > limit or len(mentions) > MENTIONS_PER_MESSAGE:
            return False
        self.text = text
        self.mention_ids = mentions
        self.row_ids += other.row_ids
        return True

    @property
    def rank(self) -> tuple[bool, bool, int]:
        """Which recipient to serve first when the global limit is short: urgent, then replies."""
        return (not self.urgent, self.kind != "reply", self.row_ids[0])


@dataclass(slots=True)
class Plan:
    """What one flush does with a batch of due rows."""

    defer_ids: list[int] = field(default_factory=list)  # non-urgent follow-ups in quiet hours
    defer_until: datetime | None = None
    queues: list[list[Outgoing]] = field(default_factory=list)  # per recipient, best first


def is_held_for_quiet(row: Row, now: datetime, quiet: FollowUpRules | None) -> bool:
    """True for a non-urgent follow-up inside the quiet hours; replies and urgent rows go."""
    return quiet is not None and row.kind == "followup" and not row.urgent and quiet.is_quiet(now)


def merge(messages: Iterable[Outgoing], limit: int) -> list[Outgoing]:
    """Merge each run of consecutive follow-ups that fits ``limit`` into one message."""
    merged: list[Outgoing] = []
    for message in messages:
        if not merged or not merged[-1].absorb(message, limit):
            merged.append(message)
    return merged


def plan(rows: Sequence[Row], now: datetime, quiet: FollowUpRules | None, limit: int) -> Plan:
    """Defer what the quiet hours hold back, queue the rest per recipient and merge."""
    result = Plan()
    by_key: dict[str, list[Outgoing]] = {}
    # Urgent rows jump every room's queue; within a priority the order is the rows' order.
    for row in sorted(rows, key=lambda r: (not r.urgent, r.id or 0)):
        row_id = saved_id(row)
        if is_held_for_quiet(row, now, quiet):
            result.defer_ids.append(row_id)
            continue
        by_key.setdefault(recipient(row), []).append(Outgoing.of(row))
    if result.defer_ids and quiet is not None:
        result.defer_until = quiet.quiet_over(now)
    queues = [merge(queue, limit) for queue in by_key.values()]
    result.queues = sorted(queues, key=lambda q: q[0].rank)
    return result
