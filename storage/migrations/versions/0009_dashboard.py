"""Dashboard: indexes for a community's ticket list, its deadlines and its filing times.

``(community_code, id)`` lets a list page of one community walk its tickets newest first and
stop at the page's LIMIT, whatever other filters apply; without it SQLite (which has no
statistics unless ANALYZE runs) picks ``(community_code, state)`` and sorts every ticket of
the community for each page. ``(community_code, due_at)`` and ``(community_code, created_at)``
serve the statistics and the three rates (a week of one community instead of all its
tickets): at 100,000 tickets each such count went from about 25 ms to well under one.
Plain CREATE INDEX, no batch rebuild of ``tickets``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the three indexes."""
    op.create_index("ix_tickets_community_id", "tickets", ["community_code", "id"])
    op.create_index("ix_tickets_community_due", "tickets", ["community_code", "due_at"])
    op.create_index("ix_tickets_community_created", "tickets", ["community_code", "created_at"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_tickets_community_created", table_name="tickets")
    op.drop_index("ix_tickets_community_due", table_name="tickets")
    op.drop_index("ix_tickets_community_id", table_name="tickets")
