"""``in_ids``: a column among ids bound as one value, on each backend, however many."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event, select

from storage import followups
from storage.db import Database
from storage.id_lists import in_ids
from storage.models import FollowUp
from tests.support.db import seed_community

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
_ID = FollowUp.metadata.tables["followups"].c.id


def test_the_ids_match_as_an_in_list_would_with_one_statement_text(database: Database) -> None:
    seed_community(database)
    with database.session() as session:
        for _ in range(5):
            followups.schedule(session, kind="remind", community_code="c1", due_at=NOW, now=NOW)
        session.commit()
    texts: list[str] = []
    event.listen(database.engine, "before_cursor_execute", lambda *args: texts.append(args[2]))
    with database.engine.connect() as conn:
        statement = select(_ID).where(in_ids(_ID, conn.dialect.name)).order_by(_ID)
        stored = conn.execute(select(_ID).order_by(_ID)).scalars().all()
        texts.clear()

        def found(ids: object) -> list[int]:
            return list(conn.execute(statement, {"ids": ids}).scalars())

        assert found([stored[3], stored[1], 10_000]) == [stored[1], stored[3]]
        assert found(set(stored)) == stored  # any collection of ints
        assert found([]) == []
        assert found(range(1, 10_001)) == stored  # no limit of placeholders
    assert len(set(texts)) == 1  # the same text whatever the count
