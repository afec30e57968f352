"""Messages out and in: the outbox, which process may send, and messages whose handling failed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, Index, Text
from sqlmodel import Field

from storage.models.base import StorageModel, UtcDateTime


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
