"""兑换: take one unit of stock and debit the price, in one transaction, or change nothing."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlmodel import Session, col, select

from storage.checks import saved_id
from storage.volunteers.ledger import Movement, open_account, post
from storage.volunteers.models import CatalogueItem, Redemption

CODE_DIGITS = 6


class OutOfStock(Exception):
    """The item has no stock left; nothing was written."""


def item_named(session: Session, community: str, name: str) -> CatalogueItem | None:
    """The catalogue item called ``name`` in this community."""
    return session.exec(
        select(CatalogueItem).where(
            CatalogueItem.community_code == community, CatalogueItem.name == name
        )
    ).first()


def catalogue(session: Session, community: str) -> list[CatalogueItem]:
    """The community's catalogue, cheapest first."""
    return list(
        session.exec(
            select(CatalogueItem)
            .where(CatalogueItem.community_code == community)
            .order_by(col(CatalogueItem.halves), col(CatalogueItem.id))
        ).all()
    )


def redeem(
    session: Session, item: CatalogueItem, contact_id: str, name: str, at: datetime
) -> Redemption:
    """Exchange hours for one unit of ``item``; raises OutOfStock or InsufficientBalance.

    The stock is taken by a conditional UPDATE (a racing transaction waits for the row and
    finds none left), then the price is debited the same way; the caller rolls back on either
    refusal, so a unit is never taken without being paid for, nor paid without being taken.
    """
    item_id = saved_id(item)
    # An UPDATE answers with a cursor result, whose rowcount says whether stock was left.
    taken = cast(
        "CursorResult[Any]",
        session.execute(
            update(CatalogueItem)
            .where(col(CatalogueItem.id) == item_id, col(CatalogueItem.stock) > 0)
            .values(stock=CatalogueItem.stock - 1)
            .execution_options(synchronize_session=False)
        ),
    )
    if taken.rowcount != 1:
        raise OutOfStock(item.name)
    acct = open_account(session, item.community_code, contact_id, name)
    session.flush()
    acct_id = saved_id(acct)
    redemption = Redemption(
        community_code=item.community_code,
        item_id=item_id,
        account_id=acct_id,
        name=name,
        code=_new_code(session),
        halves=item.halves,
        at=at,
    )
    session.add(redemption)
    session.flush()
    move = Movement(
        kind="debit",
        halves=-item.halves,
        reason=f"兑换 {item.name}",
        actor_id=contact_id,
        actor_name=name,
        at=at,
        redemption_id=redemption.id,
    )
    post(session, acct, move)
    session.refresh(item)
    return redemption


def mark_used(session: Session, redemption_id: int, by: str, at: datetime) -> Redemption | None:
    """The provider marks a code as used; None when there is no such code or it was used."""
    row = session.get(Redemption, redemption_id, with_for_update=True)
    if row is None or row.used_at is not None:
        return None
    row.used_at = at
    row.used_by = by
    session.add(row)
    return row


def _new_code(session: Session) -> str:
    """A fresh code people can read out: six digits not in use yet."""
    while True:
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        if session.exec(select(Redemption.id).where(Redemption.code == code)).first() is None:
            return code
