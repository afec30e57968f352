"""The duplicate check's index: a community's tickets by category and filing time.

Every report asks for the newest open tickets of its community and category filed within the
duplicate window. With only (community_code, created_at) SQLite read every ticket of the
community in the window, of all categories, and sorted them; with the category in the index
it reads that category's only (issue 15: the intake benchmark's duplicate check read about a
fifth of the rows). The rows and the answer are the same.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_tickets_community_category_created"
COLUMNS = ["community_code", "category", "created_at"]


def upgrade() -> None:
    """Create the index."""
    op.create_index(NAME, "tickets", COLUMNS)


def downgrade() -> None:
    """Drop it."""
    op.drop_index(NAME, table_name="tickets")
