"""The audit trail: every change made from the dashboard (who, when, what, before, after).

One row per change, written with :func:`record` in the same transaction as the change itself,
so a change is never stored without its audit row nor the other way round. ``before`` and
``after`` are any JSON-able values (usually small dicts of the fields that changed); the rows
are append-only and read newest first, per community (``*`` for district-wide changes).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Index, Text, func
from sqlmodel import Field, Session, col, select

from storage.models.base import StorageModel, UtcDateTime

DISTRICT = "*"  # the community of a change that belongs to no one community


class AuditEvent(StorageModel, table=True):
    """One change: who made it, when, in which community, to what, and its before/after."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_community_id", "community_code", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UtcDateTime)
    actor: str = Field(max_length=128)  # dashboard username (or chat contact id)
    actor_name: str = Field(default="", max_length=100)
    community_code: str = Field(max_length=64)  # "*" for district-wide changes
    action: str = Field(max_length=32)  # member.add | member.role | user.disable | …
    target: str = Field(max_length=200)  # what was changed, for people: "张三 (wx-zhang)"
    before: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    after: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


def _dump(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record(
    session: Session,
    actor: str,
    community: str,
    action: str,
    target: str,
    before: Any = None,
    after: Any = None,
    *,
    actor_name: str = "",
    at: datetime | None = None,
) -> AuditEvent:
    """Add one audit row to ``session`` (flushed, not committed: the caller's change commits it).

    ``before``/``after`` are stored as JSON (None as empty); ``at`` defaults to now (UTC).
    """
    row = AuditEvent(
        at=at or datetime.now(UTC),
        actor=actor[:128],
        actor_name=actor_name[:100],
        community_code=community[:64],
        action=action[:32],
        target=target[:200],
        before=_dump(before),
        after=_dump(after),
    )
    session.add(row)
    session.flush()
    return row


def recent(
    session: Session,
    communities: Iterable[str] | None,
    *,
    limit: int = 50,
    before_id: int | None = None,
    action_prefix: str = "",
) -> list[AuditEvent]:
    """The newest rows of ``communities`` (None: every one), older than ``before_id`` if given."""
    statement = select(AuditEvent)
    if communities is not None:
        statement = statement.where(col(AuditEvent.community_code).in_(list(communities)))
    if before_id is not None:
        statement = statement.where(col(AuditEvent.id) < before_id)
    if action_prefix:
        statement = statement.where(col(AuditEvent.action).startswith(action_prefix))
    statement = statement.order_by(col(AuditEvent.id).desc()).limit(limit)
    return list(session.exec(statement).all())


def latest_id(session: Session) -> int:
    """The newest row's id (0 when none): another process's audited change moves it."""
    return session.exec(select(func.max(AuditEvent.id))).one() or 0


def decode(text: str) -> Any:
    """A stored ``before``/``after`` value back as Python (None when empty)."""
    return json.loads(text) if text else None
