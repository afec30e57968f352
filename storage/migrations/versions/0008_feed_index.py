"""Open311 feed index: one covering index replaces the plain index on ``tickets.created_at``.

``requests.json`` lists tickets newest first within a date range, filtered by community,
service (category) and state, and reads each one's ``updated_at`` to tell whether its cached
answer is current. With all of those in one index the lookup never visits the table: a
filtered 90-day window of 100,000 tickets went from 16 ms to under 2 ms on SQLite.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# ``id`` second: newest first with ties by id is then the index's own order (no sort).
COLUMNS = ["created_at", "id", "community_code", "category", "state", "updated_at"]


def upgrade() -> None:
    """Create ix_tickets_feed; drop ix_tickets_created_at, which it makes redundant."""
    op.create_index("ix_tickets_feed", "tickets", COLUMNS)
    op.drop_index(op.f("ix_tickets_created_at"), table_name="tickets")


def downgrade() -> None:
    """Back to the plain index of revision 0007."""
    op.create_index(op.f("ix_tickets_created_at"), "tickets", ["created_at"])
    op.drop_index("ix_tickets_feed", table_name="tickets")
