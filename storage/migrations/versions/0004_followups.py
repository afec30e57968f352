"""Follow-ups, the deliberation hall and digests; outbox kinds for coalescing and quiet hours.

Columns are added with plain ALTER TABLE ADD COLUMN (never a batch rebuild of ``tickets``),
so the FTS5 triggers of revision 0003 survive on SQLite.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create meetings, followups and digest_runs; add ticket and outbox columns."""
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_code", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["communities.code"],
            name=op.f("fk_meetings_community_code_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint(
            "community_code", "starts_at", name=op.f("uq_meetings_community_code_starts_at")
        ),
    )
    op.create_table(
        "followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("community_code", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["communities.code"],
            name=op.f("fk_followups_community_code_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_followups_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_followups_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followups")),
    )
    op.create_index("ix_followups_pending", "followups", ["done_at", "due_at"])
    op.create_index(op.f("ix_followups_ticket_id"), "followups", ["ticket_id"])
    op.create_index(op.f("ix_followups_meeting_id"), "followups", ["meeting_id"])
    op.create_table(
        "digest_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["communities.code"],
            name=op.f("fk_digest_runs_community_code_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_runs")),
        sa.UniqueConstraint(
            "community_code",
            "kind",
            "period",
            name=op.f("uq_digest_runs_community_code_kind_period"),
        ),
    )
    op.add_column("tickets", sa.Column("meeting_id", sa.Integer(), nullable=True))
    op.add_column("tickets", sa.Column("resolution", sa.Text(), nullable=False, server_default=""))
    op.add_column("tickets", sa.Column("alerts", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("tickets", sa.Column("visit_asked_at", sa.DateTime(), nullable=True))
    op.create_index(op.f("ix_tickets_meeting_id"), "tickets", ["meeting_id"])
    op.add_column(
        "outbox",
        sa.Column("kind", sa.String(length=16), nullable=False, server_default="reply"),
    )
    op.add_column(
        "outbox", sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    """Drop what upgrade added (SQLite 3.35+ drops columns without a rebuild)."""
    op.drop_column("outbox", "urgent")
    op.drop_column("outbox", "kind")
    op.drop_index(op.f("ix_tickets_meeting_id"), table_name="tickets")
    for column in ("visit_asked_at", "alerts", "resolution", "meeting_id"):
        op.drop_column("tickets", column)
    op.drop_table("digest_runs")
    op.drop_index(op.f("ix_followups_meeting_id"), table_name="followups")
    op.drop_index(op.f("ix_followups_ticket_id"), table_name="followups")
    op.drop_index("ix_followups_pending", table_name="followups")
    op.drop_table("followups")
    op.drop_table("meetings")
