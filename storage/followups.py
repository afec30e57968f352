"""Follow-ups: rows that say what the bot must do and when; the sweep reads what is due.

Every ticket change notes the ticket in the session (:func:`note_touched`), so the domain can
re-plan that ticket's follow-ups in the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlmodel import Session, col, select, update

from storage.models import FollowUp

_TOUCHED = "liufang.touched_tickets"


def note_touched(session: Session, ticket_id: int) -> None:
    """Remember that this transaction changed ticket ``ticket_id``."""
    session.info.setdefault(_TOUCHED, set()).add(ticket_id)


def take_touched(session: Session) -> set[int]:
    """The tickets changed since the last call (and forget them)."""
    return session.info.pop(_TOUCHED, set())


def schedule(
    session: Session,
    *,
    kind: str,
    community_code: str,
    due_at: datetime,
    now: datetime,
    ticket_id: int | None = None,
    meeting_id: int | None = None,
) -> FollowUp:
    """Add a follow-up; never commits."""
    row = FollowUp(
        kind=kind,
        community_code=community_code,
        ticket_id=ticket_id,
        meeting_id=meeting_id,
        due_at=due_at,
        created_at=now,
    )
    session.add(row)
    return row


def pending_for_tickets(session: Session, ticket_ids: Iterable[int]) -> list[FollowUp]:
    """Follow-ups of these tickets that have not run yet (one query)."""
    ids = list(ticket_ids)
    if not ids:
        return []
    # done_at is filtered here, not in SQL: with it in the WHERE clause SQLite picks the
    # pending index and scans every pending row instead of the few rows of these tickets.
    # (finish() keeps loaded rows in step, so a row finished in this session reads as done.)
    stmt = select(FollowUp).where(col(FollowUp.ticket_id).in_(ids))
    return [row for row in session.exec(stmt) if row.done_at is None]


def pending_for_meetings(session: Session, meeting_ids: Iterable[int]) -> list[FollowUp]:
    """Follow-ups of these meetings that have not run yet (one query)."""
    ids = list(meeting_ids)
    if not ids:
        return []
    stmt = select(FollowUp).where(
        col(FollowUp.meeting_id).in_(ids), col(FollowUp.done_at).is_(None)
    )
    return list(session.exec(stmt))


def due(session: Session, now: datetime, limit: int) -> list[FollowUp]:
    """Follow-ups whose time has come, earliest first (one indexed query)."""
    stmt = (
        select(FollowUp)
        .where(col(FollowUp.done_at).is_(None), col(FollowUp.due_at) <= now)
        .order_by(col(FollowUp.due_at), col(FollowUp.id))
        .limit(limit)
    )
    return list(session.exec(stmt))


def finish(session: Session, ids: Sequence[int], now: datetime, outcome: str) -> None:
    """Mark follow-ups done (``sent``, ``skipped`` or ``cancelled``) in one statement."""
    if not ids:
        return
    session.execute(
        update(FollowUp)
        .where(col(FollowUp.id).in_(list(ids)), col(FollowUp.done_at).is_(None))
        .values(done_at=now, outcome=outcome)
    )
