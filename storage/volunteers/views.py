"""Read-only lists of the volunteer side for the dashboard: newest first, a page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from storage.models import Ticket
from storage.volunteers.models import (
    CatalogueItem,
    LedgerEntry,
    Redemption,
    ServiceOrder,
    Team,
    TimeAccount,
)

PAGE = 100


@dataclass(frozen=True, slots=True)
class OrderRow:
    """A 服务单 with its ticket's text and its team's name."""

    order: ServiceOrder
    text: str
    team: str


@dataclass(frozen=True, slots=True)
class EntryRow:
    """A ledger entry with the account holder's name."""

    entry: LedgerEntry
    name: str


@dataclass(frozen=True, slots=True)
class RedemptionRow:
    """A redemption with the item's name and provider."""

    redemption: Redemption
    item: str
    provider: str


def orders(session: Session, codes: Sequence[str], limit: int = PAGE) -> list[OrderRow]:
    """The newest service orders of these communities."""
    rows = session.exec(
        select(ServiceOrder, Ticket.text, Team.name)
        .join(Ticket, col(Ticket.id) == ServiceOrder.ticket_id)
        .join(Team, col(Team.id) == ServiceOrder.team_id)
        .where(col(ServiceOrder.community_code).in_(codes))
        .order_by(col(ServiceOrder.id).desc())
        .limit(limit)
    ).all()
    return [OrderRow(o, text, team) for o, text, team in rows]


def entries(session: Session, codes: Sequence[str], limit: int = PAGE) -> list[EntryRow]:
    """The newest ledger entries of these communities."""
    rows = session.exec(
        select(LedgerEntry, TimeAccount.name)
        .join(TimeAccount, col(TimeAccount.id) == LedgerEntry.account_id)
        .where(col(LedgerEntry.community_code).in_(codes))
        .order_by(col(LedgerEntry.id).desc())
        .limit(limit)
    ).all()
    return [EntryRow(e, name) for e, name in rows]


def items(session: Session, codes: Sequence[str]) -> list[CatalogueItem]:
    """The catalogues of these communities."""
    return list(
        session.exec(
            select(CatalogueItem)
            .where(col(CatalogueItem.community_code).in_(codes))
            .order_by(col(CatalogueItem.community_code), col(CatalogueItem.halves))
        ).all()
    )


def redemptions(session: Session, codes: Sequence[str], limit: int = PAGE) -> list[RedemptionRow]:
    """The newest redemptions of these communities, unused ones first."""
    rows = session.exec(
        select(Redemption, CatalogueItem.name, CatalogueItem.provider)
        .join(CatalogueItem, col(CatalogueItem.id) == Redemption.item_id)
        .where(col(Redemption.community_code).in_(codes))
        .order_by(col(Redemption.used_at).is_not(None), col(Redemption.id).desc())
        .limit(limit)
    ).all()
    return [RedemptionRow(r, name, provider) for r, name, provider in rows]
