"""Every sqlmodel table of liufang, and the one place to import them from.

The tables live in one module per concept — ``directory`` (communities, groups, members,
dashboard users), ``tickets`` (tickets and what hangs on them), ``followups`` (follow-ups, hall
meetings, digests), ``messages`` (the outbox, leadership, failed messages) — all on the base of
``base``. Importing this package registers every table on :data:`METADATA`, including the
audit trail's and the volunteer teams' (revision 0017), which keep their tables next to their
queries: string foreign keys resolve, and migrations and their tests see the whole schema,
whichever table a caller asked for.
"""

from __future__ import annotations

from storage.models.base import METADATA, NAMING_CONVENTION, StorageModel, UtcDateTime
from storage.models.directory import (
    Community,
    DashboardUser,
    DirectoryImport,
    Group,
    Member,
)
from storage.models.followups import DigestRun, FollowUp, Meeting
from storage.models.messages import FailedInbound, Leadership, OutboxMessage
from storage.models.tickets import (
    REPORT_SOURCE_MSG_UNIQUE,
    SOURCE_MSG_UNIQUE,
    LabelledExample,
    Ticket,
    TicketEvent,
    TicketEvidence,
    TicketReport,
)

# isort: split
# The feature modules that keep their own tables: imported only to register those tables.
from storage import audit as _audit  # noqa: F401
from storage.volunteers import models as _volunteers  # noqa: F401

__all__ = [
    "METADATA",
    "NAMING_CONVENTION",
    "REPORT_SOURCE_MSG_UNIQUE",
    "SOURCE_MSG_UNIQUE",
    "Community",
    "DashboardUser",
    "DigestRun",
    "DirectoryImport",
    "FailedInbound",
    "FollowUp",
    "Group",
    "LabelledExample",
    "Leadership",
    "Meeting",
    "Member",
    "OutboxMessage",
    "StorageModel",
    "Ticket",
    "TicketEvent",
    "TicketEvidence",
    "TicketReport",
    "UtcDateTime",
]
