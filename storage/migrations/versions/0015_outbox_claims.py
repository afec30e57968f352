"""Outbox claims: the sender claims the rows it is about to send, for a while, under its term.

``claimed_by`` names the process, ``claim_until`` ends the claim, ``claim_epoch`` is the
leadership term (the fencing token) it was made under: a row claimed by a live claim of the
same or a later term is skipped by other senders (``FOR UPDATE SKIP LOCKED`` on PostgreSQL);
a claim of an earlier term, or an expired one, is taken over.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the claim columns."""
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("claim_until", sa.DateTime(), nullable=True))
        batch.add_column(
            sa.Column("claim_epoch", sa.BigInteger(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    """Drop the claim columns."""
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claim_epoch")
        batch.drop_column("claim_until")
        batch.drop_column("claimed_by")
