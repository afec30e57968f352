"""Photo evidence: a picture a reporter sends soon after a report is attached to the ticket.

A new table only (plain CREATE TABLE, no batch rebuild of ``tickets``, whose search triggers
a rebuild would drop). ``source_msg_id`` is unique, so a redelivered photo is attached once.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ticket_evidence."""
    op.create_table(
        "ticket_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=500), nullable=False),
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("sender_name", sa.String(length=100), nullable=False),
        sa.Column("room_id", sa.String(length=128), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("source_msg_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_evidence_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_evidence")),
        sa.UniqueConstraint("source_msg_id", name=op.f("uq_ticket_evidence_source_msg_id")),
    )
    op.create_index(op.f("ix_ticket_evidence_ticket_id"), "ticket_evidence", ["ticket_id"])


def downgrade() -> None:
    """Drop ticket_evidence."""
    op.drop_index(op.f("ix_ticket_evidence_ticket_id"), table_name="ticket_evidence")
    op.drop_table("ticket_evidence")
