"""Leadership: one row per database naming the process that may send, and its epoch.

The leader renews ``expires_at`` (the database's clock) well before it passes; a standby takes
the row over only once it has passed. ``epoch`` rises with every new leader: it is the fencing
token the outbox claims carry, so a deposed leader's late writes are refused.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the leadership table."""
    op.create_table(
        "leadership",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False, server_default=""),
        sa.Column("epoch", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    """Drop the leadership table."""
    op.drop_table("leadership")
