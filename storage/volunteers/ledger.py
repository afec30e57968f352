"""The time bank's ledger: entries are only ever added; balances never go below zero."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, event, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.checks import saved_id
from storage.db import ProjectSession
from storage.volunteers.models import LedgerEntry, TimeAccount

EARNING = ("credit", "correction")  # what the 排行榜 counts: hours served, and fixes to them


class InsufficientBalance(Exception):
    """The entry would take the balance below zero; nothing was written."""

    def __init__(self, balance: int) -> None:
        super().__init__(f"balance {balance} half-hours is not enough")
        self.balance = balance


@dataclass(frozen=True, slots=True)
class Movement:
    """What one ledger entry records besides the account: the kind, amount and why."""

    kind: str  # credit | debit | correction
    halves: int  # signed
    reason: str
    actor_id: str
    actor_name: str
    at: datetime
    order_id: int | None = None
    redemption_id: int | None = None


def account(session: Session, community: str, contact_id: str) -> TimeAccount | None:
    """The person's account in this community, if they have one."""
    return session.exec(
        select(TimeAccount).where(
            TimeAccount.community_code == community, TimeAccount.contact_id == contact_id
        )
    ).first()


def accounts_named(session: Session, community: str, name: str) -> list[TimeAccount]:
    """The community's accounts held under this name (names repeat)."""
    return list(
        session.exec(
            select(TimeAccount).where(
                TimeAccount.community_code == community, TimeAccount.name == name
            )
        ).all()
    )


def open_account(session: Session, community: str, contact_id: str, name: str) -> TimeAccount:
    """The person's account, opened (with a zero balance) when they have none."""
    found = account(session, community, contact_id)
    if found is not None:
        if name and found.name != name:
            found.name = name
            session.add(found)
        return found
    try:
        with session.begin_nested():  # two first entries at once: the second reads the first's
            row = TimeAccount(community_code=community, contact_id=contact_id, name=name)
            session.add(row)
    except IntegrityError:
        found = account(session, community, contact_id)
        if found is None:  # not a race with another first entry: a real integrity error
            raise
        return found
    return row


def post(session: Session, acct: TimeAccount, move: Movement) -> LedgerEntry:
    """Add one entry and move the account's totals with it, or raise InsufficientBalance.

    The totals change in one conditional UPDATE: on PostgreSQL a second transaction waits for
    the row and re-checks the condition against the committed balance; SQLite serialises
    writers. Either way two debits racing for the last hour cannot both pass.
    """
    acct_id = saved_id(acct)
    earned = move.halves if move.kind in EARNING else 0
    # An UPDATE answers with a cursor result, whose rowcount says whether the condition held.
    done = cast(
        "CursorResult[Any]",
        session.execute(
            update(TimeAccount)
            .where(col(TimeAccount.id) == acct_id, col(TimeAccount.balance) + move.halves >= 0)
            .values(balance=TimeAccount.balance + move.halves, earned=TimeAccount.earned + earned)
            .execution_options(synchronize_session=False)
        ),
    )
    if done.rowcount != 1:
        session.refresh(acct)
        raise InsufficientBalance(acct.balance)
    entry = LedgerEntry(
        account_id=acct_id,
        community_code=acct.community_code,
        kind=move.kind,
        halves=move.halves,
        reason=move.reason,
        actor_id=move.actor_id,
        actor_name=move.actor_name,
        at=move.at,
        order_id=move.order_id,
        redemption_id=move.redemption_id,
    )
    session.add(entry)
    session.flush()
    session.refresh(acct)
    return entry


def balance(session: Session, community: str, contact_id: str) -> int:
    """The person's balance in half-hours: the sum of their ledger entries (0 without any)."""
    found = account(session, community, contact_id)
    return found.balance if found is not None else 0


def ledger_sum(session: Session, account_id: int) -> int:
    """The sum of an account's entries, computed from the ledger itself (for audits)."""
    total = session.exec(
        select(func.coalesce(func.sum(LedgerEntry.halves), 0)).where(
            LedgerEntry.account_id == account_id
        )
    ).one()
    return int(total)


def last_entries(session: Session, account_id: int, limit: int = 5) -> list[LedgerEntry]:
    """The account's newest entries, newest first."""
    return list(
        session.exec(
            select(LedgerEntry)
            .where(LedgerEntry.account_id == account_id)
            .order_by(col(LedgerEntry.id).desc())
            .limit(limit)
        ).all()
    )


@dataclass(frozen=True, slots=True)
class Standing:
    """One line of the 排行榜."""

    account_id: int
    name: str
    hidden: bool
    halves: int


def board_all_time(session: Session, community: str, limit: int = 10) -> list[Standing]:
    """Who served the most hours ever, from the accounts' running totals."""
    rows = session.exec(
        select(TimeAccount)
        .where(TimeAccount.community_code == community, col(TimeAccount.earned) > 0)
        .order_by(col(TimeAccount.earned).desc(), col(TimeAccount.id))
        .limit(limit)
    ).all()
    return [Standing(a.id or 0, a.name, a.hidden, a.earned) for a in rows]


def board_between(
    session: Session, community: str, start: datetime, end: datetime, limit: int = 10
) -> list[Standing]:
    """Who served the most hours in [start, end) (the monthly 排行榜)."""
    total = func.sum(LedgerEntry.halves).label("total")
    ranked = (
        select(LedgerEntry.account_id, total)
        .where(
            LedgerEntry.community_code == community,
            col(LedgerEntry.at) >= start,
            col(LedgerEntry.at) < end,
            col(LedgerEntry.kind).in_(EARNING),
        )
        .group_by(col(LedgerEntry.account_id))
        .having(total > 0)
        .order_by(total.desc(), col(LedgerEntry.account_id))
        .limit(limit)
        .subquery()
    )
    rows = session.exec(
        select(TimeAccount.id, TimeAccount.name, TimeAccount.hidden, ranked.c.total)
        .join(ranked, ranked.c.account_id == TimeAccount.id)
        .order_by(ranked.c.total.desc(), col(TimeAccount.id))
    ).all()
    return [Standing(int(i or 0), n, bool(h), int(t)) for i, n, h, t in rows]


def served_between(
    session: Session, community: str | None, start: datetime | None, end: datetime | None
) -> tuple[int, int]:
    """Half-hours of confirmed service, and how many services, in a span (None: all)."""
    stmt = select(
        func.coalesce(func.sum(LedgerEntry.halves), 0), func.count(col(LedgerEntry.id))
    ).where(LedgerEntry.kind == "credit")
    if community is not None:
        stmt = stmt.where(LedgerEntry.community_code == community)
    if start is not None:
        stmt = stmt.where(col(LedgerEntry.at) >= start)
    if end is not None:
        stmt = stmt.where(col(LedgerEntry.at) < end)
    halves, count = session.exec(stmt).one()
    return int(halves), int(count)


@event.listens_for(ProjectSession, "before_flush")
def _refuse_rewrites(session: Session, _context: object, _instances: object) -> None:
    # The ledger is append-only: a mistake is fixed by a correction entry, never an edit.
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, LedgerEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("ledger entries are immutable; add a correction instead")


def served_by_community(session: Session, codes: list[str]) -> dict[str, int]:
    """Half-hours of confirmed service ever, per community (0 for a community without any)."""
    rows = session.exec(
        select(LedgerEntry.community_code, func.sum(LedgerEntry.halves))
        .where(col(LedgerEntry.community_code).in_(codes), LedgerEntry.kind == "credit")
        .group_by(col(LedgerEntry.community_code))
    ).all()
    found = {code: int(total or 0) for code, total in rows}
    return {code: found.get(code, 0) for code in codes}
