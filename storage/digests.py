"""Digest bookkeeping: which periods were posted, when the bot was last seen, what is open."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import DigestRun, Group, Ticket


def six_party_rooms(session: Session) -> dict[str, str]:
    """Community code → the room id of its six-party group, for those that have one."""
    stmt = select(Group.community_code, Group.room_id).where(Group.kind == "six_party")
    return dict(session.exec(stmt).all())


def runs_done(session: Session, periods: Sequence[str]) -> set[tuple[str, str, str]]:
    """(community, kind, period) of every digest run recorded for these period keys."""
    stmt = select(DigestRun.community_code, DigestRun.kind, DigestRun.period).where(
        col(DigestRun.period).in_(list(periods))
    )
    return set(session.exec(stmt).all())


def communities_with_tickets(session: Session) -> set[str]:
    """The communities that have had at least one ticket."""
    return set(session.exec(select(Ticket.community_code).distinct()).all())


def latest_run_at(session: Session) -> dict[str, datetime]:
    """Per community, the time of its latest digest run of any kind."""
    stmt = select(DigestRun.community_code, func.max(DigestRun.at)).group_by(
        col(DigestRun.community_code)
    )
    return {code: at for code, at in session.exec(stmt).all() if at is not None}


def run_of(session: Session, community: str, kind: str, period: str) -> DigestRun | None:
    """The community's run of this kind and period, if recorded."""
    stmt = select(DigestRun).where(
        DigestRun.community_code == community,
        DigestRun.kind == kind,
        DigestRun.period == period,
    )
    return session.exec(stmt).first()


def open_ticket_count(session: Session, community: str, open_states: Collection[str]) -> int:
    """How many of the community's tickets are in one of ``open_states``."""
    stmt = (
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.community_code == community, col(Ticket.state).in_(list(open_states)))
    )
    return int(session.exec(stmt).one())
