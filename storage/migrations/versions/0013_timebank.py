"""The volunteer teams (五彩先锋服务队), service orders and the time bank (时间银行).

Ledger entries are append-only: triggers refuse UPDATE and DELETE on ``ledger_entries`` on
both backends, so a mistake can only be fixed by a correction entry, as the audit expects.
Hours are integers of half-hours; the balance CHECK backs up the conditional debits.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the tables and the ledger's triggers."""
    op.create_table(
        "building_duties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_code", sa.String(length=64), nullable=False),
        sa.Column("building", sa.String(length=32), nullable=False),
        sa.Column("contact_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["communities.code"],
            name=op.f("fk_building_duties_community_code_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_building_duties")),
        sa.UniqueConstraint(
            "community_code", "building", name=op.f("uq_building_duties_community_code_building")
        ),
    )
    op.create_table(
        "catalogue_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("halves", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_catalogue_items_stock_not_negative")),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["communities.code"],
            name=op.f("fk_catalogue_items_community_code_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_items")),
        sa.UniqueConstraint(
            "community_code", "name", name=op.f("uq_catalogue_items_community_code_name")
        ),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_code", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("colour", sa.String(length=8), nullable=False),
        sa.Column("leader_id", sa.String(length=128), nullable=True),
        sa.Column("leader_name", sa.String(length=100), nullable=False),
        sa.Column("words", sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["communities.code"],
            name=op.f("fk_teams_community_code_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("community_code", "field", name=op.f("uq_teams_community_code_field")),
    )
    op.create_table(
        "time_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_code", sa.String(length=64), nullable=False),
        sa.Column("contact_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.Column("earned", sa.Integer(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.CheckConstraint("balance >= 0", name=op.f("ck_time_accounts_balance_not_negative")),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["communities.code"],
            name=op.f("fk_time_accounts_community_code_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_accounts")),
        sa.UniqueConstraint(
            "community_code", "contact_id", name=op.f("uq_time_accounts_community_code_contact_id")
        ),
    )
    op.create_index(
        "ix_time_accounts_board", "time_accounts", ["community_code", "earned"], unique=False
    )

    op.create_table(
        "redemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_code", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("halves", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("used_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["time_accounts.id"],
            name=op.f("fk_redemptions_account_id_time_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["communities.code"],
            name=op.f("fk_redemptions_community_code_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["catalogue_items.id"],
            name=op.f("fk_redemptions_item_id_catalogue_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemptions")),
        sa.UniqueConstraint("code", name=op.f("uq_redemptions_code")),
    )
    op.create_index("ix_redemptions_account_id", "redemptions", ["account_id"], unique=False)
    op.create_index(
        "ix_redemptions_community_code", "redemptions", ["community_code"], unique=False
    )

    op.create_table(
        "service_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("community_code", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("volunteer_id", sa.String(length=128), nullable=True),
        sa.Column("volunteer_name", sa.String(length=100), nullable=True),
        sa.Column("halves", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("offered_at", sa.DateTime(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=True),
        sa.Column("served_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["communities.code"],
            name=op.f("fk_service_orders_community_code_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_service_orders_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_service_orders_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_orders")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_service_orders_ticket_id")),
    )
    op.create_index(
        "ix_service_orders_community_state",
        "service_orders",
        ["community_code", "state"],
        unique=False,
    )
    op.create_index("ix_service_orders_team_id", "service_orders", ["team_id"], unique=False)

    op.create_table(
        "team_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_members_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_members")),
        sa.UniqueConstraint(
            "team_id", "contact_id", name=op.f("uq_team_members_team_id_contact_id")
        ),
    )
    op.create_index("ix_team_members_contact_id", "team_members", ["contact_id"], unique=False)
    op.create_index("ix_team_members_team_id", "team_members", ["team_id"], unique=False)

    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("community_code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("halves", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("redemption_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["time_accounts.id"],
            name=op.f("fk_ledger_entries_account_id_time_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["communities.code"],
            name=op.f("fk_ledger_entries_community_code_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["service_orders.id"],
            name=op.f("fk_ledger_entries_order_id_service_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["redemption_id"],
            ["redemptions.id"],
            name=op.f("fk_ledger_entries_redemption_id_redemptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    op.create_index("ix_ledger_account", "ledger_entries", ["account_id", "id"], unique=False)
    op.create_index(
        "ix_ledger_board",
        "ledger_entries",
        ["community_code", "at", "account_id", "kind", "halves"],
        unique=False,
    )
    _immutable_ledger()


def downgrade() -> None:
    """Drop what upgrade created."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_entries_immutable ON ledger_entries")
        op.execute("DROP FUNCTION IF EXISTS ledger_entries_refuse()")
    for table in (
        "ledger_entries",
        "team_members",
        "service_orders",
        "redemptions",
        "time_accounts",
        "teams",
        "catalogue_items",
        "building_duties",
    ):
        op.drop_table(table)


def _immutable_ledger() -> None:
    """Refuse UPDATE and DELETE of ledger entries in the database itself."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION ledger_entries_refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'ledger entries are immutable'; END $$"
        )
        op.execute(
            "CREATE TRIGGER ledger_entries_immutable BEFORE UPDATE OR DELETE ON ledger_entries "
            "FOR EACH ROW EXECUTE FUNCTION ledger_entries_refuse()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER ledger_entries_no_{verb.lower()} BEFORE {verb} ON ledger_entries "
            "BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END"
        )
