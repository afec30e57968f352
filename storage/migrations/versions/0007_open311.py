"""Open311: where a request submitted through the API is (latitude, longitude), and a
time index for listing requests by when they were made.

Plain ADD COLUMN and CREATE INDEX (no batch rebuild of ``tickets``, whose search triggers a
rebuild would drop). Chat reports leave the coordinates empty.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add tickets.lat, tickets.lon and the index on tickets.created_at."""
    op.add_column("tickets", sa.Column("lat", sa.Float(), nullable=True))
    op.add_column("tickets", sa.Column("lon", sa.Float(), nullable=True))
    op.create_index(op.f("ix_tickets_created_at"), "tickets", ["created_at"])


def downgrade() -> None:
    """Drop what upgrade added (SQLite 3.35+ drops columns without a rebuild)."""
    op.drop_index(op.f("ix_tickets_created_at"), table_name="tickets")
    op.drop_column("tickets", "lon")
    op.drop_column("tickets", "lat")
