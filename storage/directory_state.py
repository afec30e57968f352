"""The whole directory as plain values: read it, compare two of them, apply the differences.

``liufang import-config`` compares the configuration's directory with the database's and
applies the differences; the first start applies them without removals (the seed). Every row
is a frozen value keyed as the database keys it, so a difference is exact and printable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import Session, col, func, select

from storage.directory import (
    dashboard_users,
    remove_group,
    remove_member,
    remove_user,
    save_community,
    save_group,
    save_member,
    save_user,
)
from storage.models import Community, DirectoryImport, Group, Member


@dataclass(frozen=True, slots=True)
class CommunityRow:
    """A community: code, name, district."""

    code: str
    name: str
    district: str = ""

    @property
    def key(self) -> tuple[str, ...]:
        """What identifies it."""
        return (self.code,)


@dataclass(frozen=True, slots=True)
class GroupRow:
    """A bound chat room."""

    room_id: str
    topic: str
    kind: str
    community: str
    grid: str | None = None

    @property
    def key(self) -> tuple[str, ...]:
        """What identifies it: the room id (a renamed group keeps its binding)."""
        return (self.room_id,)


@dataclass(frozen=True, slots=True)
class MemberRow:
    """A person's role in one community."""

    contact_id: str
    community: str
    name: str
    role: str
    grid: str | None = None
    phone: str = ""
    on_duty: bool = False

    @property
    def key(self) -> tuple[str, ...]:
        """What identifies it: one row per person and community."""
        return (self.contact_id, self.community)


@dataclass(frozen=True, slots=True)
class UserRow:
    """A dashboard user (the password only as its hash)."""

    username: str
    password_hash: str
    name: str
    role: str
    community: str
    disabled: bool = False

    @property
    def key(self) -> tuple[str, ...]:
        """What identifies it."""
        return (self.username,)


Row = CommunityRow | GroupRow | MemberRow | UserRow


@dataclass(frozen=True, slots=True)
class DirectoryState:
    """Everything the directory holds, in a stable order."""

    communities: tuple[CommunityRow, ...] = ()
    groups: tuple[GroupRow, ...] = ()
    members: tuple[MemberRow, ...] = ()
    users: tuple[UserRow, ...] = ()


@dataclass(frozen=True, slots=True)
class Change:
    """One difference: ``before`` is None for an addition, ``after`` None for a removal."""

    op: Literal["add", "change", "remove"]
    before: Row | None
    after: Row | None

    @property
    def row(self) -> Row:
        """The row as it will be (or as it was, for a removal)."""
        found = self.after if self.after is not None else self.before
        if found is None:
            raise ValueError("a change has a row before or after it")
        return found


def read_state(session: Session) -> DirectoryState:
    """The directory as stored now."""
    communities = session.exec(select(Community).order_by(col(Community.code))).all()
    groups = session.exec(
        select(Group).order_by(col(Group.community_code), col(Group.room_id))
    ).all()
    members = session.exec(
        select(Member).order_by(col(Member.community_code), col(Member.id))
    ).all()
    return DirectoryState(
        communities=tuple(CommunityRow(c.code, c.name, c.district) for c in communities),
        groups=tuple(
            GroupRow(g.room_id, g.topic, g.kind, g.community_code, g.grid) for g in groups
        ),
        members=tuple(
            MemberRow(m.contact_id, m.community_code, m.name, m.role, m.grid, m.phone, m.on_duty)
            for m in members
        ),
        users=tuple(
            UserRow(u.username, u.password_hash, u.name, u.role, u.community, u.disabled)
            for u in dashboard_users(session)
        ),
    )


def diff_states(current: DirectoryState, wanted: DirectoryState) -> list[Change]:
    """What turns ``current`` into ``wanted``: communities first, removals of them never.

    A community holds tickets, so one missing from ``wanted`` stays (with its groups and
    members, which are not removed either); everything else missing is removed.
    """
    kept = {c.code for c in current.communities} - {c.code for c in wanted.communities}
    changes = _diff(current.communities, wanted.communities, removals=False)
    changes += _diff(
        [g for g in current.groups if g.community not in kept], wanted.groups, removals=True
    )
    changes += _diff(
        [m for m in current.members if m.community not in kept], wanted.members, removals=True
    )
    changes += _diff(current.users, wanted.users, removals=True)
    return changes


def _diff(current: Iterable[Row], wanted: Iterable[Row], *, removals: bool) -> list[Change]:
    now = {row.key: row for row in current}
    changes: list[Change] = []
    seen = set()
    for row in wanted:
        seen.add(row.key)
        before = now.get(row.key)
        if before is None:
            changes.append(Change("add", None, row))
        elif before != row:
            changes.append(Change("change", before, row))
    if removals:
        changes.extend(Change("remove", row, None) for key, row in now.items() if key not in seen)
    return changes


def apply_changes(session: Session, changes: Sequence[Change]) -> None:
    """Write ``changes`` (as :func:`diff_states` orders them); flushes, the caller commits."""
    # Removals first: a room or person may move to a community that is added in this batch.
    for change in changes:
        if change.op == "remove":
            _remove(session, change.row)
    for change in changes:
        if change.op != "remove":
            _save(session, change.row)


def _remove(session: Session, row: Row) -> None:
    if isinstance(row, GroupRow):
        remove_group(session, row.room_id)
    elif isinstance(row, MemberRow):
        remove_member(session, row.contact_id, row.community)
    elif isinstance(row, UserRow):
        remove_user(session, row.username)


def _save(session: Session, row: Row) -> None:
    if isinstance(row, CommunityRow):
        save_community(session, row.code, row.name, row.district)
    elif isinstance(row, GroupRow):
        save_group(session, row.room_id, row.topic, row.kind, row.community, row.grid)
    elif isinstance(row, MemberRow):
        member = save_member(session, row.contact_id, row.community, row.name, row.role, row.grid)
        member.phone, member.on_duty = row.phone, row.on_duty
        session.add(member)
    else:
        save_user(
            session,
            row.username,
            row.password_hash,
            row.name,
            row.role,
            row.community,
            disabled=row.disabled,
        )


def is_seeded(session: Session) -> bool:
    """True once the configuration has seeded the directory (the database rules from then)."""
    return session.exec(select(func.count()).select_from(DirectoryImport)).one() > 0


def record_import(
    session: Session, kind: Literal["seed", "import"], source: str, changes: int, at: datetime
) -> None:
    """Note that the configuration ``source`` was applied (``kind`` seed or import)."""
    session.add(DirectoryImport(kind=kind, source=source[:500], changes=changes, at=at))
    session.flush()
