"""sqlmodel tables: the directory (communities, groups, members, users), tickets, outbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Index,
    MetaData,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import registry
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

# Explicit constraint names make later migrations (SQLite batch rebuilds, PostgreSQL drops)
# addressable, and give the unique source_msg_id a name callers can recognise.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
_REGISTRY = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))


class StorageModel(SQLModel, registry=_REGISTRY):
    """The base of every liufang table: its own registry and MetaData, with our naming convention.

    The convention is given to a MetaData made for our tables instead of being set on
    ``SQLModel.metadata``, which every SQLModel table in the process shares: importing this
    module changes nothing outside it. Alembic compares the migrations with :data:`METADATA`.
    """


METADATA = StorageModel.metadata  # every table of liufang, for migrations and their tests

SOURCE_MSG_UNIQUE = "uq_tickets_source_msg_id"
REPORT_SOURCE_MSG_UNIQUE = "uq_ticket_reports_source_msg_id"


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as naive UTC, read back as aware UTC.

    SQLite has no timezone type and compares timestamps as text, so offsets must never reach
    the database: every value is normalised to UTC on the way in, on both backends alike.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to naive UTC; refuse naive ones, which are ambiguous."""
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"timezone-aware datetime required, got {value!r}")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Mark a stored naive-UTC value as UTC again."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Community(StorageModel, table=True):
    """A 社区 with its six-party group and grids."""

    __tablename__ = "communities"

    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=100, unique=True)
    district: str = Field(default="", max_length=100)


class Group(StorageModel, table=True):
    """A chat room bound to a community, by room id so a rename keeps the binding."""

    __tablename__ = "groups"

    room_id: str = Field(primary_key=True, max_length=128)
    topic: str = Field(max_length=200)
    kind: str = Field(max_length=16)  # six_party | grid
    community_code: str = Field(foreign_key="communities.code", index=True, max_length=64)
    grid: str | None = Field(default=None, max_length=100)


class Member(StorageModel, table=True):
    """A person known to the bot, with the role they hold in one community."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("contact_id", "community_code"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: str = Field(index=True, max_length=128)
    name: str = Field(index=True, max_length=100)
    role: str = Field(max_length=32)
    community_code: str = Field(foreign_key="communities.code", max_length=64)
    grid: str | None = Field(default=None, max_length=100)
    # Added in revision 0017: a phone (shown masked in the dashboard) and the on-duty roster
    # (called on every urgent alert of the community, whatever the role).
    phone: str = Field(default="", max_length=32, sa_column_kwargs={"server_default": ""})
    on_duty: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})


class DashboardUser(StorageModel, table=True):
    """Someone who may log in to the web pages, for one community or the street (``*``)."""

    __tablename__ = "dashboard_users"

    username: str = Field(primary_key=True, max_length=100)
    password_hash: str = Field(max_length=300)  # scrypt$…, never the password
    name: str = Field(max_length=100)
    role: str = Field(max_length=32)
    community: str = Field(max_length=64)  # a community code, or "*" for the whole street
    disabled: bool = Field(default=False)


class DirectoryImport(StorageModel, table=True):
    """One time the configuration was written into the directory: the seed, then imports.

    The first row marks the directory as seeded: from then on the database is the source of
    truth and a start-up never applies the configuration again by itself.
    """

    __tablename__ = "directory_imports"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # seed | import
    source: str = Field(default="", max_length=500)  # the configuration file
    changes: int = Field(default=0)
    at: datetime = Field(sa_type=UtcDateTime)


class Ticket(StorageModel, table=True):
    """A reported problem; ``id`` is the short human number shown as ``T<id>``."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_community_state", "community_code", "state"),
        # Revision 0008: Open311 lists tickets by time, filtered by community, service and
        # state, and checks each one's last change: all answered from this index alone.
        Index(
            "ix_tickets_feed",
            "created_at",
            "id",
            "community_code",
            "category",
            "state",
            "updated_at",
        ),
        # Added in revision 0009 (the dashboard): a community's tickets newest first, read a
        # page at a time with LIMIT; by deadline and by filing time (statistics, the rates).
        Index("ix_tickets_community_id", "community_code", "id"),
        Index("ix_tickets_community_due", "community_code", "due_at"),
        Index("ix_tickets_community_created", "community_code", "created_at"),
        # Ticket numbers are shown to people as T<id>: SQLite must never hand one out twice.
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    community_code: str = Field(foreign_key="communities.code", max_length=64)
    grid: str | None = Field(default=None, max_length=100)
    room_id: str | None = Field(default=None, max_length=128)  # where it was reported
    reporter_id: str = Field(max_length=128)
    reporter_name: str = Field(max_length=100)
    text: str = Field(sa_column=Column(Text, nullable=False))
    klass: str = Field(max_length=16)  # small | urgent | difficult
    category: str = Field(max_length=16)
    route: str = Field(max_length=16)  # online | onsite | hall
    location: str = Field(default="", max_length=200)
    responsible: str | None = Field(default=None, max_length=32)  # role code
    cues: str = Field(default="", max_length=1000)  # "|"-joined, for humans
    state: str = Field(default="reported", max_length=16)
    filed_on_request: bool = Field(default=False)  # explicit 报事 overrode the classifier
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)
    due_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    source_msg_id: str = Field(unique=True, max_length=200)
    # Added in revision 0002 (the six-party workflow).
    assignee_id: str | None = Field(default=None, max_length=128)  # who claimed it
    assignee_name: str | None = Field(default=None, max_length=100)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UtcDateTime)  # 到场/收到
    resolved_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    merged_into: int | None = Field(default=None)
    plus_ones: int = Field(default=0)  # later reports of the same problem merged into it
    rating: str | None = Field(default=None, max_length=16)
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # Added in revision 0004 (follow-ups and the deliberation hall).
    meeting_id: int | None = Field(default=None, index=True)  # hall agenda it is on
    resolution: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    alerts: int = Field(default=0)  # alarm-ladder slots used up (sent, or passed while down)
    visit_asked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)  # 回访
    # Added in revision 0007: coordinates (WGS84) given with an Open311 request.
    lat: float | None = Field(default=None)
    lon: float | None = Field(default=None)
    # Added in revision 0010: danger seen that the decision did not call urgent (可能是急事);
    # cleared when someone confirms it (急 / 改为 急事) or it is handled.
    maybe_urgent: bool = Field(default=False)
    # Added in revision 0012 (the alarm ladder): when a responder first answered the urgent
    # alarm without 到场 (认领, 进展, a quoted reply); the ladder stops, the holder is nudged.
    answered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class TicketEvent(StorageModel, table=True):
    """One step in a ticket's history: who, when, from which state to which, and why."""

    __tablename__ = "ticket_events"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    at: datetime = Field(sa_type=UtcDateTime)
    actor_id: str = Field(max_length=128)
    actor_name: str = Field(max_length=100)
    kind: str = Field(max_length=32)  # reported | state | note | …
    from_state: str | None = Field(default=None, max_length=16)
    to_state: str | None = Field(default=None, max_length=16)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class TicketReport(StorageModel, table=True):
    """A later report of a problem that already has an open ticket (a "+1")."""

    __tablename__ = "ticket_reports"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    reporter_id: str = Field(max_length=128)
    reporter_name: str = Field(max_length=100)
    room_id: str | None = Field(default=None, max_length=128)
    text: str = Field(sa_column=Column(Text, nullable=False))
    at: datetime = Field(sa_type=UtcDateTime)
    source_msg_id: str = Field(unique=True, max_length=200)


class LabelledExample(StorageModel, table=True):
    """A correction made in chat (改为 …): the text with the class and category people chose.

    Kept per community; ``liufang learn`` trains on them next to the shipped data, and never
    writes one community's text into files another community receives.
    """

    __tablename__ = "labelled_examples"
    __table_args__ = (Index("ix_labelled_examples_community", "community_code", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    community_code: str = Field(foreign_key="communities.code", max_length=64)
    ticket_id: int | None = Field(default=None, foreign_key="tickets.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    klass: str = Field(max_length=16)
    category: str = Field(max_length=16)
    was_klass: str = Field(max_length=16)  # what the bot had decided
    was_category: str = Field(max_length=16)
    actor_id: str = Field(max_length=128)
    at: datetime = Field(sa_type=UtcDateTime)


class TicketEvidence(StorageModel, table=True):
    """A photo or video a reporter sent soon after reporting, attached to the ticket.

    ``ref`` is where the file was saved (or the chat message id when it could not be fetched).
    """

    __tablename__ = "ticket_evidence"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    kind: str = Field(max_length=16)  # image | video
    ref: str = Field(max_length=500)
    sender_id: str = Field(max_length=128)
    sender_name: str = Field(max_length=100)
    room_id: str | None = Field(default=None, max_length=128)
    at: datetime = Field(sa_type=UtcDateTime)
    source_msg_id: str = Field(unique=True, max_length=200)


class FollowUp(StorageModel, table=True):
    """Something the bot must do at ``due_at``: the database is the source of truth of what is due.

    ``kind`` names the follow-up (remind, overdue, realert, visit, autoclose, meeting notices);
    ``done_at`` is set when it ran or was cancelled (``outcome`` says which).
    """

    __tablename__ = "followups"
    __table_args__ = (Index("ix_followups_pending", "done_at", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24)
    community_code: str = Field(foreign_key="communities.code", max_length=64)
    ticket_id: int | None = Field(default=None, foreign_key="tickets.id", index=True)
    meeting_id: int | None = Field(default=None, foreign_key="meetings.id", index=True)
    due_at: datetime = Field(sa_type=UtcDateTime)
    created_at: datetime = Field(sa_type=UtcDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    outcome: str = Field(default="", max_length=16)  # sent | cancelled | skipped


class Meeting(StorageModel, table=True):
    """A deliberation-hall (议事厅) meeting: the regular one or an extra one."""

    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("community_code", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    community_code: str = Field(foreign_key="communities.code", max_length=64)
    starts_at: datetime = Field(sa_type=UtcDateTime)
    place: str = Field(default="", max_length=200)
    kind: str = Field(default="regular", max_length=16)  # regular | extra
    state: str = Field(default="scheduled", max_length=16)  # scheduled | adjourned | cancelled
    created_at: datetime = Field(sa_type=UtcDateTime)


class DigestRun(StorageModel, table=True):
    """A digest that was posted, so a restart or a second worker never posts it twice."""

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("community_code", "kind", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    community_code: str = Field(foreign_key="communities.code", max_length=64)
    kind: str = Field(max_length=16)  # daily | weekly
    period: str = Field(max_length=16)  # 2026-11-26 | 2026-W48
    at: datetime = Field(sa_type=UtcDateTime)


class OutboxMessage(StorageModel, table=True):
    """A message waiting to be sent; written in the same transaction as what caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "delivered_at", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    room_id: str | None = Field(default=None, max_length=128)
    to_id: str | None = Field(default=None, max_length=128)
    text: str = Field(sa_column=Column(Text, nullable=False))
    mention_ids: str = Field(default="", max_length=2000)  # comma-joined contact ids
    created_at: datetime = Field(sa_type=UtcDateTime)
    not_before: datetime = Field(sa_type=UtcDateTime)
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=500)
    delivered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # Added in revision 0004: follow-ups for one room may be merged into one message, and
    # only urgent ones may break the quiet hours.
    kind: str = Field(default="reply", max_length=16)  # reply | followup
    urgent: bool = Field(default=False)
    # Added in revision 0005: characters of ``text`` already delivered, when a long text goes
    # out in parts; a retry resumes from here and never resends a part.
    sent_chars: int = Field(default=0)
    # Added in revision 0015: the sender's claim on the row while it sends it (storage.outbox).
    claimed_by: str | None = Field(default=None, max_length=200)
    claim_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    claim_epoch: int = Field(
        default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"}
    )
    # Added in revision 0018: when the sender gave up on the row (dead letter: its recipient
    # refused every attempt); it is no longer due, and the dashboard lists it.
    dead_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Leadership(StorageModel, table=True):
    """Which process may send (revision 0014); see storage.leader. One row, ``main``."""

    __tablename__ = "leadership"

    name: str = Field(primary_key=True, max_length=32)
    holder: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    epoch: int = Field(default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"})
    expires_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    acquired_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


# The volunteer teams and the time bank, and the audit trail (revision 0017), keep their tables
# in their own modules; importing them here registers them wherever the schema is (migrations,
# tests comparing it).
from storage import audit as _audit  # noqa: E402,F401
from storage.volunteers import models as _volunteers  # noqa: E402,F401


class FailedInbound(StorageModel, table=True):
    """A message a person sent whose handling failed (revision 0018); see storage.failed.

    Kept whole so it can be handled again (``liufang retry-failed``) and shown on the
    dashboard; ``settled_at`` is set in the transaction that finally handled it.
    """

    __tablename__ = "failed_inbound"

    id: int | None = Field(default=None, primary_key=True)
    msg_id: str = Field(unique=True, max_length=200)
    stage: str = Field(max_length=16)  # dispatcher | channel: where it failed
    room_id: str | None = Field(default=None, max_length=128)
    room_topic: str = Field(default="", max_length=200)
    sender_id: str = Field(max_length=128)
    sender_name: str = Field(default="", max_length=200)
    text: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(default="text", max_length=16)
    mention_ids: str = Field(default="", max_length=2000)  # comma-joined contact ids
    is_to_bot: bool = Field(default=False)
    details: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON pairs
    sent_at: datetime = Field(sa_type=UtcDateTime)  # when the person sent it
    error: str = Field(default="", max_length=500)  # the last failure, type and message
    failures: int = Field(default=1)
    failed_at: datetime = Field(sa_type=UtcDateTime)  # the first failure
    last_failed_at: datetime = Field(sa_type=UtcDateTime)
    retries: int = Field(default=0)
    settled_at: datetime | None = Field(default=None, sa_type=UtcDateTime, index=True)
