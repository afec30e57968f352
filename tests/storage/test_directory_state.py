"""The directory as values: differences found exactly, applied in order, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.db import Database
from storage.directory import save_member, save_user
from storage.directory_state import (
    CommunityRow,
    DirectoryState,
    GroupRow,
    MemberRow,
    UserRow,
    apply_changes,
    diff_states,
    is_seeded,
    read_state,
    record_import,
)

WANTED = DirectoryState(
    communities=(CommunityRow("c1", "幸福里社区", "新区"), CommunityRow("c2", "和平社区")),
    groups=(
        GroupRow("r-six", "幸福里六方群", "six_party", "c1"),
        GroupRow("r-g1", "幸福里一网格", "grid", "c1", "一网格"),
    ),
    members=(
        MemberRow("wx-li", "c1", "李书记", "secretary"),
        MemberRow("wx-li", "c2", "李书记", "committee"),
        MemberRow("wx-zhao", "c1", "赵网格长", "grid_leader", "一网格"),
    ),
    users=(UserRow("li", "scrypt$x", "李书记", "secretary", "c1"),),
)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_apply_then_nothing_differs(database: Database) -> None:
    with database.session() as session:
        assert not is_seeded(session)
        changes = diff_states(read_state(session), WANTED)
        assert [c.op for c in changes] == ["add"] * 8
        apply_changes(session, changes)
        record_import(session, "seed", "config.toml", len(changes), NOW)
        session.commit()
    with database.session() as session:
        assert is_seeded(session)
        stored = read_state(session)
    assert diff_states(stored, WANTED) == []
    assert set(stored.members) == set(WANTED.members)


def test_changes_and_removals_but_communities_stay(database: Database) -> None:
    with database.session() as session:
        apply_changes(session, diff_states(read_state(session), WANTED))
        save_member(session, "wx-new", "c1", "新保安", "property")  # as 设置角色 does
        save_user(session, "li", "scrypt$y", "李书记", "secretary", "c1", disabled=True)
        session.commit()
    wanted = DirectoryState(
        communities=WANTED.communities[:1],  # c2 left out of the file
        groups=WANTED.groups,
        members=(MemberRow("wx-li", "c1", "李书记", "committee"),),
        users=WANTED.users,
    )
    with database.session() as session:
        changes = diff_states(read_state(session), wanted)
        summary = sorted((c.op, c.row.key) for c in changes)
        assert summary == [
            ("change", ("li",)),
            ("change", ("wx-li", "c1")),
            ("remove", ("wx-new", "c1")),
            ("remove", ("wx-zhao", "c1")),
        ]
        apply_changes(session, changes)
        session.commit()
    with database.session() as session:
        stored = read_state(session)
    assert [c.code for c in stored.communities] == ["c1", "c2"]
    assert set(stored.members) == {
        MemberRow("wx-li", "c1", "李书记", "committee"),
        MemberRow("wx-li", "c2", "李书记", "committee"),  # its community stays, so does it
    }
    assert stored.users == WANTED.users  # enabled again, the file's hash back


def test_a_room_moves_to_a_new_community(database: Database) -> None:
    with database.session() as session:
        apply_changes(session, diff_states(read_state(session), WANTED))
        session.commit()
    moved = DirectoryState(
        communities=(*WANTED.communities, CommunityRow("c3", "新社区")),
        groups=(GroupRow("r-g1", "新社区一网格", "grid", "c3", "一网格"), WANTED.groups[0]),
        members=WANTED.members,
        users=WANTED.users,
    )
    with database.session() as session:
        apply_changes(session, diff_states(read_state(session), moved))
        session.commit()
    with database.session() as session:
        assert diff_states(read_state(session), moved) == []
