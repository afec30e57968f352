"""Reliable delivery: how much of a long outbox message has already gone out.

A text longer than the channel's limit is sent in parts; ``sent_chars`` records the offset
reached after each part, so a retry (or a restart) never resends a part already delivered.
Plain ALTER TABLE ADD COLUMN, no batch rebuild.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add outbox.sent_chars (0 for every existing row: nothing of it was sent yet)."""
    op.add_column(
        "outbox", sa.Column("sent_chars", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    """Drop outbox.sent_chars."""
    op.drop_column("outbox", "sent_chars")
