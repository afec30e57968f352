"""What the bot does later by itself: follow-ups, the hall meetings, the digests it posted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field

from storage.models.base import StorageModel, UtcDateTime


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
