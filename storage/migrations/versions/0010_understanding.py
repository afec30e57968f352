"""Understanding: the 可能是急事 flag on tickets, and corrections kept as labelled examples.

``tickets.maybe_urgent`` is a plain ADD COLUMN with a server default (no batch rebuild of
``tickets``, whose search triggers a rebuild would drop). ``labelled_examples`` holds every
改为 made in chat, per community, for ``liufang learn``.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add tickets.maybe_urgent and create labelled_examples."""
    op.add_column(
        "tickets",
        sa.Column("maybe_urgent", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "labelled_examples",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "community_code", sa.String(64), sa.ForeignKey("communities.code"), nullable=False
        ),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("klass", sa.String(16), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("was_klass", sa.String(16), nullable=False),
        sa.Column("was_category", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),  # naive UTC, see models.UtcDateTime
    )
    op.create_index(
        "ix_labelled_examples_community", "labelled_examples", ["community_code", "id"]
    )


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_index("ix_labelled_examples_community", table_name="labelled_examples")
    op.drop_table("labelled_examples")
    op.drop_column("tickets", "maybe_urgent")
