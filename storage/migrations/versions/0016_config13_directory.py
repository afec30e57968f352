"""The directory owned by the database: dashboard users, and when the config was applied.

Until now the configuration was written into the directory at every start. From this
revision it seeds the directory once (a ``directory_imports`` row of kind ``seed``);
``liufang import-config`` applies it again on request (kind ``import``). Dashboard users
move from ``[[web.users]]`` into ``dashboard_users`` so they can be managed without a restart.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the dashboard users and the record of configuration imports."""
    op.create_table(
        "dashboard_users",
        sa.Column("username", sa.String(100), primary_key=True),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("community", sa.String(64), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "directory_imports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source", sa.String(500), nullable=False, server_default=""),
        sa.Column("changes", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("at", sa.DateTime(), nullable=False),  # naive UTC, see models.UtcDateTime
    )


def downgrade() -> None:
    """Drop both tables (the directory goes back to being rewritten at every start)."""
    op.drop_table("directory_imports")
    op.drop_table("dashboard_users")
