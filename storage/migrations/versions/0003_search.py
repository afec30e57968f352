"""Full-text search of tickets over their jieba tokens (``tickets.search_text``).

SQLite: an FTS5 external-content table ``tickets_fts`` over ``tickets.search_text``, kept in
sync by three triggers, and filled for the rows that already exist. PostgreSQL: a GIN index on
``to_tsvector('simple', search_text)``. ``storage/search.py`` queries both.

``search_text`` already holds jieba's words separated by spaces, so no language-aware
tokenizer is wanted on either side: FTS5's ``unicode61`` and PostgreSQL's ``simple``
configuration both split on spaces and punctuation, keep a run of CJK characters as one token
and only fold case; neither stems nor drops stop words.

Warning for later revisions: a SQLite batch rebuild of ``tickets`` (``batch_alter_table``)
drops the table and with it these triggers, silently. Such a revision must create them again
(copy ``_SQLITE_TRIGGERS``); tests/storage/test_search.py checks that they exist at head.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FTS_TABLE = "tickets_fts"
PG_INDEX = "ix_tickets_search_text"

# External content: the index stores no copy of the text, it reads tickets.search_text when it
# needs it. unicode61 keeps letters/digits (a CJK run is one token) and splits on everything
# else; diacritics are kept, as PostgreSQL's 'simple' keeps them. columnsize=0 drops the
# per-row size table, which only bm25 ranking would read: results are ordered by id instead.
_SQLITE_FTS = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
    "search_text, content='tickets', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0', columnsize=0)"
)
# An external-content index must be told the old text to delete it: FTS5 cannot look it up,
# the row in tickets has already changed. ``UPDATE OF`` leaves other updates (state changes,
# the frequent kind) free of any indexing cost.
_SQLITE_TRIGGERS = {
    "tickets_fts_insert": (
        "CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN "
        f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); "
        "END"
    ),
    "tickets_fts_delete": (
        "CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); "
        "END"
    ),
    "tickets_fts_update": (
        "CREATE TRIGGER tickets_fts_update AFTER UPDATE OF id, search_text ON tickets BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); "
        f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); "
        "END"
    ),
}


def upgrade() -> None:
    """Create the search index of the backend in use and fill it for existing tickets."""
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        op.execute(_SQLITE_FTS)
        for ddl in _SQLITE_TRIGGERS.values():
            op.execute(ddl)
        # Index the tickets written before this revision (and none twice: the table is new).
        op.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    elif dialect == "postgresql":
        # The query in storage/search.py repeats this expression exactly, or the planner
        # cannot use the index. A plain (not CONCURRENTLY) build: it runs inside the
        # migration transaction and blocks writes to tickets while it lasts.
        op.create_index(
            PG_INDEX,
            "tickets",
            [sa.text("to_tsvector('simple'::regconfig, search_text)")],
            postgresql_using="gin",
        )


def downgrade() -> None:
    """Remove the search index (triggers first, so no write fires into a dropped table)."""
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif dialect == "postgresql":
        op.drop_index(PG_INDEX, table_name="tickets")
