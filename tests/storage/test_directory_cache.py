"""The directory cache: no query for a known group or sender, forgotten after a directory write."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event, update
from sqlmodel import Session, col

from handlers.followups.notify import People
from storage.db import Database
from storage.directory import save_group, sync_directory
from storage.directory_cache import DirectoryCache
from storage.models import Community, Group, Member
from tests.support.harness import TestBot


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


def test_only_the_projects_sessions_note_a_directory_write(database: Database) -> None:
    # The listener is scoped to Database.session(): a plain Session elsewhere in the process
    # (a library's, a script's) is not watched, and so carries no note.
    _seed(database)
    with Session(database.engine) as plain:
        community = plain.get(Community, "c1")
        assert community is not None
        community.name = "改名"
        plain.flush()
        assert "liufang.directory_changed" not in plain.info
    with database.session() as ours:
        community = ours.get(Community, "c1")
        assert community is not None
        community.name = "改名"
        ours.flush()
        assert ours.info.get("liufang.directory_changed") is True


def _roles_seen(bot: TestBot, contact_id: str) -> list[str]:
    """The roles the dispatcher's directory holds for ``contact_id`` after one message."""
    bot.dispatcher.process_sync(bot.event("[毛塘路1网格] 李网格长: 大家好"))
    cached = bot.dispatcher._directory._members.get(contact_id, [])
    return [m["role"] for m in cached]


def _change_role_elsewhere(bot: TestBot, contact_id: str, role: str) -> None:
    """Another process (the leader) changes a role: this one's cache is not told."""
    with bot.db.engine.begin() as conn:
        conn.execute(update(Member).where(col(Member.contact_id) == contact_id).values(role=role))


def test_a_standby_reads_roles_afresh_and_the_leader_keeps_its_copy(tmp_path: Path) -> None:
    bot = TestBot.from_example(tmp_path)
    try:
        leads = [False]
        bot.dispatcher.owns_directory = lambda: leads[0]
        assert _roles_seen(bot, "wx-mt-li") == ["grid_leader"]
        _change_role_elsewhere(bot, "wx-mt-li", "volunteer")
        assert _roles_seen(bot, "wx-mt-li") == ["volunteer"]  # a standby sees the change
        leads[0] = True
        _change_role_elsewhere(bot, "wx-mt-li", "grid_leader")
        assert _roles_seen(bot, "wx-mt-li") == ["grid_leader"]  # fresh on taking over
        _change_role_elsewhere(bot, "wx-mt-li", "resident")
        assert _roles_seen(bot, "wx-mt-li") == ["grid_leader"]  # the leader trusts its copy
    finally:
        bot.close()


def test_people_come_from_the_cache_until_any_session_writes_the_directory(
    database: Database,
) -> None:
    _seed(database)
    cache = DirectoryCache()
    statements: list[str] = []
    event.listen(database.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with database.session() as s:
        cache.attach(s)
        assert [m.name for m in People(s, {"c1"}).with_role("c1", "property")] == ["王"]
    first = len(statements)
    with database.session() as s:
        cache.attach(s)
        assert [m.name for m in People(s, {"c1"}).with_role("c1", "property")] == ["王"]
        assert len(statements) == first  # no query: served from the cache
        # In this transaction a new member is pending: the cache would not know them.
        s.add(Member(contact_id="u2", name="李", role="property", community_code="c1"))
        assert [m.name for m in People(s, {"c1"}).with_role("c1", "property")] == ["王", "李"]
        s.rollback()
    # Another session of the process (the web's) binds a six-party room and commits.
    with database.session() as other:
        save_group(other, "r6", "六方", "six_party", "c1")
        other.commit()
    with database.session() as s:
        cache.attach(s)
        assert People(s, {"c1"}).six_party("c1") == "r6"


def test_people_without_a_cache_read_the_database(database: Database) -> None:
    _seed(database)
    with database.session() as s:
        people = People(s, {"c1", "nowhere"})
        assert [m.contact_id for m in people.with_role("c1", "property")] == ["u1"]
        assert people.six_party("c1") is None
