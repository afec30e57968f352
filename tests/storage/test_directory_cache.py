"""The directory cache: no query for a known group or sender, forgotten after a directory write."""

from __future__ import annotations

from sqlalchemy import event

from storage.db import Database
from storage.directory import DirectoryCache, sync_directory
from storage.models import Community, Group, Member


def _seed(db: Database) -> None:
    with db.session() as s:
        sync_directory(
            s,
            [Community(code="c1", name="一社区")],
            [Group(room_id="r1", topic="一网格", kind="grid", community_code="c1", grid="1")],
            [Member(contact_id="u1", name="王", role="property", community_code="c1")],
        )
        s.commit()


def test_second_lookup_needs_no_query_and_a_write_clears_it(database: Database) -> None:
    _seed(database)
    cache = DirectoryCache()
    statements: list[str] = []
    event.listen(database.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with database.session() as s:
        assert cache.group(s, "r1") is not None
        assert [m.role for m in cache.member_roles(s, "u1")] == ["property"]
    first = len(statements)
    with database.session() as s:
        group = cache.group(s, "r1")
        assert group is not None and group.topic == "一网格"
        [member] = cache.member_roles(s, "u1")
        assert member.name == "王"
        assert len(statements) == first  # served from the cache
        # A write through the session (a rename) is seen by the next lookup.
        group.topic = "一网格（新）"
        s.add(group)
        s.commit()
        cache.after_commit(s)
    with database.session() as s:
        group = cache.group(s, "r1")
        assert group is not None and group.topic == "一网格（新）"
        assert cache.group(s, "nowhere") is None
