"""The alarm ladder: when a responder first answered an urgent ticket without 到场.

``tickets.answered_at`` is a plain nullable ADD COLUMN (no batch rebuild of ``tickets``, whose
search triggers a rebuild would drop). ``tickets.alerts`` keeps its type; it now counts the
ladder's slots a ticket has used up.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add tickets.answered_at."""
    # Naive UTC, as every timestamp (see models.UtcDateTime).
    op.add_column("tickets", sa.Column("answered_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_column("tickets", "answered_at")
