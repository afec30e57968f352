"""The tickets' tables: the ticket, its history, later reports, evidence and corrections."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, text
from sqlmodel import Field

from storage.models.base import StorageModel, UtcDateTime

# The names the naming convention gives the unique source_msg_id of tickets and of later
# reports: storage.tickets recognises a redelivered message by them.
SOURCE_MSG_UNIQUE = "uq_tickets_source_msg_id"
REPORT_SOURCE_MSG_UNIQUE = "uq_ticket_reports_source_msg_id"
# The open states (handlers.vocabulary.OPEN_STATES) in a fixed order, and the WHERE of the feed's
# partial index of open tickets: SQLite uses that index only for a query whose WHERE holds this
# very term, so the Open311 feed asks for open requests with it (bot.web.open311_query).
FEED_OPEN_STATES = ("reported", "accepted", "in_progress", "reopened")
FEED_OPEN_WHERE = f"state IN ({', '.join(repr(s) for s in FEED_OPEN_STATES)})"
FEED_COLUMNS = ("created_at", "id", "community_code", "category", "state", "updated_at")
OPEN_BY_CATEGORY_COLUMNS = ("community_code", "category", "id", "created_at", "location", "state")


class Ticket(StorageModel, table=True):
    """A reported problem; ``id`` is the short human number shown as ``T<id>``."""

    __tablename__ = "tickets"
    __table_args__ = (
        # Revision 0021: the list's other filters at the end of its two indexes (after the id,
        # which keeps them newest first), tested there before a ticket row is read.
        Index(
            "ix_tickets_community_state_filters",
            "community_code",
            "state",
            "id",
            "klass",
            "grid",
            "category",
        ),
        # Revision 0008: Open311 lists tickets by time, filtered by community, service and
        # state, and checks each one's last change: all answered from this index alone.
        Index("ix_tickets_feed", *FEED_COLUMNS),
        # Revision 0020: the same for open tickets alone (a third of them), for status=open.
        Index(
            "ix_tickets_feed_open",
            *FEED_COLUMNS,
            sqlite_where=text(FEED_OPEN_WHERE),
            postgresql_where=text(FEED_OPEN_WHERE),
        ),
        # Added in revision 0009 (the dashboard), its filters in 0021: a community's tickets
        # newest first, read a page at a time with LIMIT; by deadline and by filing time
        # (statistics, the rates).
        Index(
            "ix_tickets_community_id_filters",
            "community_code",
            "id",
            "klass",
            "state",
            "grid",
            "category",
        ),
        Index("ix_tickets_community_due", "community_code", "due_at"),
        Index("ix_tickets_community_created", "community_code", "created_at"),
        # Revision 0022 (replacing 0019's): the duplicate check walks a community's open
        # tickets of one category newest first, tests the window and the place here and reads
        # only the rows that pass (storage.duplicates).
        Index(
            "ix_tickets_open_by_category",
            *OPEN_BY_CATEGORY_COLUMNS,
            sqlite_where=text(FEED_OPEN_WHERE),
            postgresql_where=text(FEED_OPEN_WHERE),
        ),
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
