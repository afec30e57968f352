"""The audit trail, members' phones and the on-duty roster.

``audit_events`` keeps every change made from the dashboard or by a directory command in the
chat (who, when, before, after); ``members`` gains ``phone`` (shown masked) and ``on_duty``
(called on every urgent alert of its community).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the audit table and add the two member columns."""
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("community_code", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(
        "ix_audit_events_community_id", "audit_events", ["community_code", "id"], unique=False
    )
    op.add_column(
        "members", sa.Column("phone", sa.String(length=32), nullable=False, server_default="")
    )
    op.add_column(
        "members", sa.Column("on_duty", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("members") as batch:
        batch.drop_column("on_duty")
        batch.drop_column("phone")
    op.drop_index("ix_audit_events_community_id", table_name="audit_events")
    op.drop_table("audit_events")
