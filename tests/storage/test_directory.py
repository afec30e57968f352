"""The configured directory: idempotent sync and lookups, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlmodel import Session, func, select

from storage.db import Database
from storage.directory import (
    community_by_code,
    group_by_room,
    member_roles,
    members_by_name,
    sync_directory,
)
from storage.models import Community, Group, Member
from tests.support.db import community


def _config() -> tuple[list[Community], list[Group], list[Member]]:
    """Two communities, a six-party group and a grid group, and three people."""
    communities = [community("c1", "幸福里社区"), community("c2", "和平社区")]
    groups = [
        Group(room_id="r-six", topic="幸福里六方议事群", kind="six_party", community_code="c1"),
        Group(
            room_id="r-grid1",
            topic="幸福里一网格",
            kind="grid",
            community_code="c1",
            grid="一网格",
        ),
    ]
    members = [
        Member(contact_id="wx-li", name="李书记", role="secretary", community_code="c1"),
        Member(contact_id="wx-li", name="李书记", role="committee", community_code="c2"),
        Member(
            contact_id="wx-zhao",
            name="赵网格长",
            role="grid_leader",
            community_code="c1",
            grid="一网格",
        ),
    ]
    return communities, groups, members


def _counts(session: Session) -> tuple[int, int, int]:
    """How many communities, groups and members are stored."""
    return tuple(  # type: ignore[return-value]
        session.exec(select(func.count()).select_from(model)).one()
        for model in (Community, Group, Member)
    )


def test_sync_twice_is_idempotent(database: Database) -> None:
    config = _config()
    for _ in range(2):
        with database.session() as session:
            sync_directory(session, *config)
            session.commit()
    with database.session() as session:
        assert _counts(session) == (2, 2, 3)


def test_sync_leaves_callers_objects_unattached(database: Database) -> None:
    communities, groups, members = _config()
    with database.session() as session:
        sync_directory(session, communities, groups, members)
        session.commit()
    for obj in (*communities, *groups, *members):
        assert inspect(obj).transient


def test_sync_updates_changed_fields(database: Database) -> None:
    communities, groups, members = _config()
    with database.session() as session:
        sync_directory(session, communities, groups, members)
        session.commit()
    communities[0] = Community(code="c1", name="幸福里社区", district="新区")
    groups[0] = Group(
        room_id="r-six", topic="幸福里六方群（新）", kind="six_party", community_code="c1"
    )
    members[2] = Member(contact_id="wx-zhao", name="赵姐", role="volunteer", community_code="c1")
    with database.session() as session:
        sync_directory(session, communities, groups, members)
        session.commit()
    with database.session() as session:
        assert _counts(session) == (2, 2, 3)
        c1 = community_by_code(session, "c1")
        assert c1 is not None and c1.district == "新区"
        six = group_by_room(session, "r-six")
        assert six is not None and six.topic == "幸福里六方群（新）"
        (zhao,) = member_roles(session, "wx-zhao")
        assert (zhao.name, zhao.role, zhao.grid) == ("赵姐", "volunteer", None)


def test_sync_keeps_rows_added_otherwise(database: Database) -> None:
    with database.session() as session:
        sync_directory(session, *_config())
        session.add(
            Member(contact_id="wx-new", name="新志愿者", role="volunteer", community_code="c1")
        )
        session.commit()
    with database.session() as session:
        sync_directory(session, *_config())
        session.commit()
    with database.session() as session:
        assert _counts(session) == (2, 2, 4)
        assert [m.role for m in member_roles(session, "wx-new")] == ["volunteer"]


def test_repeated_entries_in_one_sync_do_not_clash(database: Database) -> None:
    communities, groups, members = _config()
    repeat = Member(contact_id="wx-li", name="李书记", role="committee", community_code="c1")
    with database.session() as session:
        sync_directory(session, communities * 2, groups * 2, [*members, repeat])
        session.commit()
    with database.session() as session:
        assert _counts(session) == (2, 2, 3)
        roles = {(m.community_code, m.role) for m in member_roles(session, "wx-li")}
        assert roles == {("c1", "committee"), ("c2", "committee")}  # the last entry wins


def test_lookups(database: Database) -> None:
    with database.session() as session:
        sync_directory(session, *_config())
        session.commit()
    with database.session() as session:
        grid = group_by_room(session, "r-grid1")
        assert grid is not None and (grid.community_code, grid.grid) == ("c1", "一网格")
        assert group_by_room(session, "r-unknown") is None
        assert community_by_code(session, "c2") is not None
        assert community_by_code(session, "nope") is None
        li = member_roles(session, "wx-li")
        assert [(m.community_code, m.role) for m in li] == [
            ("c1", "secretary"),
            ("c2", "committee"),
        ]
        assert member_roles(session, "wx-nobody") == []
        assert [m.contact_id for m in members_by_name(session, "李书记")] == ["wx-li", "wx-li"]
        assert members_by_name(session, "王五") == []
