"""The audit trail: rows written with the change, read newest first per community."""

from __future__ import annotations

from datetime import UTC, datetime

from storage import audit
from storage.db import Database


def test_record_and_read_back_newest_first(database: Database) -> None:
    at = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    with database.session() as session:
        audit.record(session, "wangshuji", "maotang", "member.add", "张三", None, {"role": "x"})
        audit.record(session, "linshuji", "guihua", "member.role", "李四", {"a": 1}, {"a": 2})
        audit.record(session, "admin", "*", "user.add", "zhang", None, {"n": "张"}, at=at)
        session.commit()
    with database.session() as session:
        mine = audit.recent(session, ["maotang"])
        assert [r.target for r in mine] == ["张三"]
        assert audit.decode(mine[0].before) is None
        assert audit.decode(mine[0].after) == {"role": "x"}
        everything = audit.recent(session, None)
        assert [r.action for r in everything] == ["user.add", "member.role", "member.add"]
        assert everything[0].at == at
        older = audit.recent(session, None, before_id=everything[0].id, action_prefix="member.")
        assert [r.target for r in older] == ["李四", "张三"]


def test_nothing_is_kept_when_the_change_rolls_back(database: Database) -> None:
    with database.session() as session:
        audit.record(session, "wangshuji", "maotang", "member.add", "张三", None, {})
        session.rollback()
    with database.session() as session:
        assert audit.recent(session, None) == []
