"""Search by parts of words: ``search_text`` gains the characters and pairs of its words.

``查询 灯`` must find 路灯 and ``查询 电梯`` 电梯困人. New tickets are written with
``storage.search.search_text_of``; this migration rewrites the existing rows the same way, in
batches by id (the FTS5 update trigger and the PostgreSQL expression index follow by themselves).
The words before the ``" | "`` mark are unchanged, so downgrading only drops the parts.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from storage.search import PARTS_MARK, search_text_of, words_of

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 2000
_SELECT = sa.text("SELECT id, search_text FROM tickets WHERE id > :after ORDER BY id LIMIT :n")
_UPDATE = sa.text("UPDATE tickets SET search_text = :text WHERE id = :id")


def _rewrite(convert: Callable[[str], str]) -> None:
    """Apply ``convert`` to every ticket's search_text, batch by batch."""
    conn = op.get_bind()
    after = 0
    while rows := conn.execute(_SELECT, {"after": after, "n": _BATCH}).all():
        changes = [
            {"id": row.id, "text": new}
            for row in rows
            if (new := convert(row.search_text or "")) != (row.search_text or "")
        ]
        if changes:
            conn.execute(_UPDATE, changes)
        after = rows[-1].id


def upgrade() -> None:
    """Add the parts of every ticket's words to its search_text."""
    _rewrite(lambda text: search_text_of(words_of(text)))


def downgrade() -> None:
    """Keep only the words."""
    _rewrite(lambda text: text.split(PARTS_MARK, 1)[0])
