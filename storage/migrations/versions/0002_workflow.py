"""Six-party workflow: who claimed a ticket, acknowledgement, merges, +1 reports, rating.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the workflow columns to tickets and the table of +1 reports."""
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("assignee_id", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("assignee_name", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("acknowledged_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("resolved_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("merged_into", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("plus_ones", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("rating", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "ticket_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.String(length=128), nullable=False),
        sa.Column("reporter_name", sa.String(length=100), nullable=False),
        sa.Column("room_id", sa.String(length=128), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("source_msg_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_reports_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_reports")),
        sa.UniqueConstraint("source_msg_id", name=op.f("uq_ticket_reports_source_msg_id")),
    )
    op.create_index(op.f("ix_ticket_reports_ticket_id"), "ticket_reports", ["ticket_id"])


def downgrade() -> None:
    """Remove the +1 reports table and the workflow columns."""
    op.drop_index(op.f("ix_ticket_reports_ticket_id"), table_name="ticket_reports")
    op.drop_table("ticket_reports")
    with op.batch_alter_table("tickets") as batch:
        for column in (
            "search_text",
            "rating",
            "plus_ones",
            "merged_into",
            "resolved_at",
            "acknowledged_at",
            "assignee_name",
            "assignee_id",
        ):
            batch.drop_column(column)
