"""Meetings of the deliberation hall: the queries the hall's planning and pages need."""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam
from sqlmodel import Session, col, or_, select
from sqlmodel.sql.expression import SelectOfScalar

from storage import core
from storage.models import Community, FollowUp, Meeting, Ticket


def _scheduled_of(code: str) -> SelectOfScalar[Meeting]:
    """The community's meetings still scheduled (neither adjourned nor cancelled)."""
    return select(Meeting).where(Meeting.community_code == code, Meeting.state == "scheduled")


def meeting_at(session: Session, code: str, at: datetime) -> Meeting | None:
    """The community's meeting starting exactly at ``at``, if any (one: they are unique)."""
    found = core.load(session, Meeting, _at_statement(), {"code": code, "at": at})
    return found[0] if found else None


@functools.cache
def _at_statement() -> Select[Any]:
    """The meeting of ``:code`` at ``:at``, built once and read on the driver (``core.load``):
    every difficult ticket asks (its meeting, :func:`handlers.hall.meetings.upcoming`)."""
    return core.select_rows(Meeting).where(
        col(Meeting.community_code) == bindparam("code"),
        col(Meeting.starts_at) == bindparam("at"),
    )


def first_scheduled_after(session: Session, code: str, now: datetime) -> Meeting | None:
    """The community's earliest scheduled meeting starting after ``now``."""
    found = core.load(session, Meeting, _first_after_statement(), {"code": code, "now": now})
    return found[0] if found else None


@functools.cache
def _first_after_statement() -> Select[Any]:
    """:func:`first_scheduled_after` of ``:code`` and ``:now``, built once (as ``meeting_at``)."""
    return (
        core.select_rows(Meeting)
        .where(
            col(Meeting.community_code) == bindparam("code"),
            col(Meeting.state) == "scheduled",
            col(Meeting.starts_at) > bindparam("now"),
        )
        .order_by(col(Meeting.starts_at))
        .limit(1)
    )


def last_scheduled_by(session: Session, code: str, by: datetime) -> Meeting | None:
    """The community's latest scheduled (not adjourned) meeting starting at ``by`` or before."""
    stmt = _scheduled_of(code).where(col(Meeting.starts_at) <= by)
    return session.exec(stmt.order_by(col(Meeting.starts_at).desc()).limit(1)).first()


def scheduled_starting_by(session: Session, by: datetime) -> list[Meeting]:
    """Every scheduled meeting (all communities) that started at ``by`` or before."""
    stmt = select(Meeting).where(Meeting.state == "scheduled", col(Meeting.starts_at) <= by)
    return list(session.exec(stmt).all())


def scheduled_after(session: Session, now: datetime, *, kind: str | None = None) -> list[Meeting]:
    """Every scheduled meeting (all communities) starting after ``now``; of ``kind`` if given."""
    stmt = select(Meeting).where(Meeting.state == "scheduled", col(Meeting.starts_at) > now)
    if kind is not None:
        stmt = stmt.where(Meeting.kind == kind)
    return list(session.exec(stmt).all())


def community_codes(session: Session) -> list[str]:
    """The code of every community in the directory."""
    return list(session.exec(select(Community.code)))


def notice_kinds_of(
    session: Session, meeting_ids: Sequence[int | None], kinds: Collection[str]
) -> dict[int, set[str]]:
    """Per meeting, which of the notice ``kinds`` are already scheduled (sent or not)."""
    have: dict[int, set[str]] = {}
    for row in notices_of(session, [i for i in meeting_ids if i is not None], kinds):
        have.setdefault(row.meeting_id or 0, set()).add(row.kind)
    return have


def _undecided(open_states: Collection[str]) -> tuple[ColumnElement[bool], ...]:
    """Filters for agenda items: open difficult tickets the hall has yet to decide.

    A reopened one (the reporter was not satisfied) goes back to the hall to be decided anew.
    """
    return (
        col(Ticket.route) == "hall",
        col(Ticket.state).in_(list(open_states)),
        or_(col(Ticket.resolution) == "", col(Ticket.state) == "reopened"),
    )


def agenda_items(
    session: Session, meeting_ids: Sequence[int], open_states: Collection[str]
) -> list[Ticket]:
    """The undecided items on these meetings, by ticket number (one query)."""
    stmt = (
        select(Ticket)
        .where(col(Ticket.meeting_id).in_(list(meeting_ids)), *_undecided(open_states))
        .order_by(col(Ticket.id))
    )
    return list(session.exec(stmt))


def adrift_items(
    session: Session, live_after: datetime, open_states: Collection[str]
) -> list[Ticket]:
    """Undecided items on no meeting, or on one that is no longer live (adjourned, cancelled,
    or begun before ``live_after`` and so stale)."""
    live = select(Meeting.id).where(
        Meeting.state == "scheduled", col(Meeting.starts_at) > live_after
    )
    stmt = select(Ticket).where(
        *_undecided(open_states),
        or_(col(Ticket.meeting_id).is_(None), col(Ticket.meeting_id).not_in(live)),
    )
    return list(session.exec(stmt).all())


def meetings_by_id(session: Session, ids: Sequence[int]) -> dict[int | None, Meeting]:
    """The meetings with these ids, by id."""
    return {m.id: m for m in session.exec(select(Meeting).where(col(Meeting.id).in_(ids)))}


def notices_of(
    session: Session, meeting_ids: Sequence[int], kinds: Collection[str]
) -> list[FollowUp]:
    """Every follow-up of these kinds (done or not) of these meetings."""
    stmt = select(FollowUp).where(
        col(FollowUp.meeting_id).in_(list(meeting_ids)), col(FollowUp.kind).in_(list(kinds))
    )
    return list(session.exec(stmt).all())


def other_scheduled_after(
    session: Session, code: str, now: datetime, but: int | None
) -> list[int]:
    """Ids of the community's scheduled meetings after ``now``, meeting ``but`` excepted."""
    stmt = select(Meeting.id).where(
        Meeting.community_code == code,
        Meeting.state == "scheduled",
        col(Meeting.starts_at) > now,
        Meeting.id != but,
    )
    return [i for i in session.exec(stmt) if i is not None]


def decided_items(session: Session, meeting_id: int) -> list[Ticket]:
    """The items of the meeting the hall decided (a reopened one is not decided), by number."""
    stmt = (
        select(Ticket)
        .where(
            Ticket.meeting_id == meeting_id,
            Ticket.resolution != "",
            Ticket.state != "reopened",
        )
        .order_by(col(Ticket.id))
    )
    return list(session.exec(stmt).all())
