"""Failed inbound messages and dead letters.

``failed_inbound`` keeps every message whose handling failed (the dispatcher rolled back, or
the channel could not turn it into an Inbound), so it can be handled again and shown on the
dashboard. ``outbox.dead_at`` marks a row the sender gave up on after its bounded retries.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create failed_inbound and add outbox.dead_at."""
    op.create_table(
        "failed_inbound",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("msg_id", sa.String(200), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("room_id", sa.String(128), nullable=True),
        sa.Column("room_topic", sa.String(200), nullable=False),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("sender_name", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("mention_ids", sa.String(2000), nullable=False),
        sa.Column("is_to_bot", sa.Boolean(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("error", sa.String(500), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(), nullable=False),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("settled_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_inbound")),
        sa.UniqueConstraint("msg_id", name=op.f("uq_failed_inbound_msg_id")),
    )
    op.create_index(op.f("ix_failed_inbound_settled_at"), "failed_inbound", ["settled_at"])
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("dead_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    """Drop outbox.dead_at and failed_inbound."""
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("dead_at")
    op.drop_index(op.f("ix_failed_inbound_settled_at"), table_name="failed_inbound")
    op.drop_table("failed_inbound")
