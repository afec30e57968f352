"""Tables of the volunteer teams, their service orders and the time bank.

Hours are stored as whole half-hours (``halves``): the time bank counts in 0.5-hour steps, and
integers add up exactly where floats would drift.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field

from storage.models.base import StorageModel, UtcDateTime


class Team(StorageModel, table=True):
    """One of a community's five 先锋服务队: its field, colour, name and leader."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("community_code", "field"),)

    id: int | None = Field(default=None, primary_key=True)
    community_code: str = Field(foreign_key="communities.code", max_length=64)
    field: str = Field(max_length=16)  # education | culture | relief | affairs | safety
    name: str = Field(max_length=100)
    colour: str = Field(max_length=8)
    leader_id: str | None = Field(default=None, max_length=128)
    leader_name: str = Field(default="", max_length=100)
    words: str = Field(default="", max_length=2000)  # extra "|"-joined words it takes


class TeamMember(StorageModel, table=True):
    """A person in a team (the leader is one too)."""

    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("team_id", "contact_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="teams.id", index=True)
    contact_id: str = Field(index=True, max_length=128)
    name: str = Field(max_length=100)


class BuildingDuty(StorageModel, table=True):
    """党员包保楼栋: the party member responsible for one building."""

    __tablename__ = "building_duties"
    __table_args__ = (UniqueConstraint("community_code", "building"),)

    id: int | None = Field(default=None, primary_key=True)
    community_code: str = Field(foreign_key="communities.code", max_length=64)
    building: str = Field(max_length=32)  # normalised: 3栋
    contact_id: str = Field(max_length=128)
    name: str = Field(max_length=100)


class ServiceOrder(StorageModel, table=True):
    """A 服务单: a ticket offered to a team; taken, served, and confirmed (hours banked)."""

    __tablename__ = "service_orders"
    __table_args__ = (Index("ix_service_orders_community_state", "community_code", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", unique=True)
    community_code: str = Field(foreign_key="communities.code", max_length=64)
    team_id: int = Field(foreign_key="teams.id", index=True)
    state: str = Field(default="offered", max_length=16)  # offered | taken | served | confirmed
    volunteer_id: str | None = Field(default=None, max_length=128)
    volunteer_name: str | None = Field(default=None, max_length=100)
    halves: int = Field(default=0)  # hours reported, in half-hours
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    offered_at: datetime = Field(sa_type=UtcDateTime)
    taken_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    served_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    confirmed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    confirmed_by: str | None = Field(default=None, max_length=100)


class TimeAccount(StorageModel, table=True):
    """A volunteer's 时间账户 in one community: the running totals of their ledger entries.

    ``balance`` is the sum of all their entries and ``earned`` of credits and corrections; both
    change only in the transaction that adds the entry, by a conditional UPDATE that the CHECK
    backs up, so no race can take a balance below zero.
    """

    __tablename__ = "time_accounts"
    __table_args__ = (
        UniqueConstraint("community_code", "contact_id"),
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        Index("ix_time_accounts_board", "community_code", "earned"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_code: str = Field(foreign_key="communities.code", max_length=64)
    contact_id: str = Field(max_length=128)
    name: str = Field(max_length=100)
    balance: int = Field(default=0)  # half-hours
    earned: int = Field(default=0)  # half-hours served (credits and corrections)
    hidden: bool = Field(default=False)  # opted out of showing the name on the 排行榜


class LedgerEntry(StorageModel, table=True):
    """One immutable movement of hours: who, when, why, by whom (database triggers refuse
    UPDATE and DELETE)."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_account", "account_id", "id"),
        # The monthly 排行榜 sums a month's entries per account from this index alone.
        Index("ix_ledger_board", "community_code", "at", "account_id", "kind", "halves"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="time_accounts.id")
    community_code: str = Field(foreign_key="communities.code", max_length=64)
    kind: str = Field(max_length=16)  # credit | debit | correction
    halves: int  # signed: a debit is negative
    reason: str = Field(sa_column=Column(Text, nullable=False))
    actor_id: str = Field(max_length=128)
    actor_name: str = Field(max_length=100)
    at: datetime = Field(sa_type=UtcDateTime)
    order_id: int | None = Field(default=None, foreign_key="service_orders.id")
    redemption_id: int | None = Field(default=None, foreign_key="redemptions.id")


class CatalogueItem(StorageModel, table=True):
    """Something a balance can be exchanged for (兑换): a service or goods, its price and stock."""

    __tablename__ = "catalogue_items"
    __table_args__ = (
        UniqueConstraint("community_code", "name"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_code: str = Field(foreign_key="communities.code", max_length=64)
    name: str = Field(max_length=50)
    kind: str = Field(default="service", max_length=16)  # service | goods
    halves: int  # price in half-hours
    stock: int = Field(default=0)
    provider: str = Field(default="", max_length=100)


class Redemption(StorageModel, table=True):
    """One 兑换: the item, who, the code they show the provider, and when it was used."""

    __tablename__ = "redemptions"

    id: int | None = Field(default=None, primary_key=True)
    community_code: str = Field(foreign_key="communities.code", max_length=64, index=True)
    item_id: int = Field(foreign_key="catalogue_items.id")
    account_id: int = Field(foreign_key="time_accounts.id", index=True)
    name: str = Field(max_length=100)
    code: str = Field(unique=True, max_length=16)
    halves: int
    at: datetime = Field(sa_type=UtcDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    used_by: str | None = Field(default=None, max_length=100)
