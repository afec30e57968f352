"""The duplicate check's index: a community's open tickets by category, newest first.

Every report asks for the newest sixty open tickets of its community and category filed within
the duplicate window, and keeps those at the report's building or spot. With 0019's index
(community, category, filing time) SQLite listed the window's ids, sorted them, then read the
rows newest first to test their state and place: about 770,000 instructions per report once a
category held 180 tickets (issue 15; the intake benchmark's biggest single cost). This partial
index holds the open tickets alone, by key within community and category, with the filing time,
the location and the state: the newest sixty are found and narrowed to the report's place
without reading a ticket row, and only the few that pass are read (about 380,000). Same rows,
same order. It replaces 0019's index, which nothing else used.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_tickets_open_by_category"
COLUMNS = ["community_code", "category", "id", "created_at", "location", "state"]
# Written out, not imported: a revision stays as it was when the model changes.
WHERE = "state IN ('reported', 'accepted', 'in_progress', 'reopened')"
OLD = "ix_tickets_community_category_created"
OLD_COLUMNS = ["community_code", "category", "created_at"]


def upgrade() -> None:
    """Create the partial index, then drop the one it replaces."""
    op.create_index(
        NAME, "tickets", COLUMNS, sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE)
    )
    op.drop_index(OLD, table_name="tickets")


def downgrade() -> None:
    """Back to 0019's index."""
    op.create_index(OLD, "tickets", OLD_COLUMNS)
    op.drop_index(NAME, table_name="tickets")
