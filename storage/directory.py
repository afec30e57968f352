"""The directory: communities, their groups and members, and the dashboard users.

The database is the source of truth. The configuration seeds it once (``bot.directory``) and
``liufang import-config`` applies it again on request; chat commands and the web pages write
through the ``save_*``/``remove_*`` functions here. Each flushes and leaves the commit (and
the audit of who changed what) to the caller. What the dispatcher reads for every message is
cached per process by ``storage.directory_cache``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlmodel import Session, SQLModel, col, select

from storage.models import Community, DashboardUser, Group, Member


def sync_directory(
    session: Session,
    communities: Sequence[Community],
    groups: Sequence[Group],
    members: Sequence[Member],
) -> None:
    """Upsert these rows; idempotent, flushes but leaves the commit to the caller.

    Communities match by code, groups by room id, members by (contact id, community code).
    The given objects are copied, never attached, so a caller may pass the same ones again.
    """
    for c in communities:
        save_community(session, c.code, c.name, c.district)
    for g in groups:
        save_group(session, g.room_id, g.topic, g.kind, g.community_code, g.grid)
    for m in members:
        save_member(session, m.contact_id, m.community_code, m.name, m.role, m.grid)


def save_community(session: Session, code: str, name: str, district: str = "") -> Community:
    """Add the community ``code`` or update its name and district (flushed)."""
    row = session.get(Community, code) or Community(code=code, name=name)
    row.name, row.district = name, district
    return _flushed(session, row)


def save_group(
    session: Session,
    room_id: str,
    topic: str,
    kind: str,
    community_code: str,
    grid: str | None = None,
) -> Group:
    """Bind the room ``room_id`` (kind ``six_party`` or ``grid``), or change its binding."""
    row = session.get(Group, room_id) or Group(
        room_id=room_id, topic=topic, kind=kind, community_code=community_code
    )
    row.topic, row.kind, row.community_code = topic, kind, community_code
    row.grid = grid if kind == "grid" else None
    return _flushed(session, row)


def save_member(
    session: Session,
    contact_id: str,
    community_code: str,
    name: str,
    role: str,
    grid: str | None = None,
) -> Member:
    """Give ``contact_id`` this name, role and grid in the community (added if new)."""
    row = member_in(session, contact_id, community_code) or Member(
        contact_id=contact_id, community_code=community_code, name=name, role=role
    )
    row.name, row.role, row.grid = name, role, grid
    return _flushed(session, row)


def save_user(
    session: Session,
    username: str,
    password_hash: str,
    name: str,
    role: str,
    community: str,
    *,
    disabled: bool = False,
) -> DashboardUser:
    """Add the dashboard user ``username`` or update every field of it (flushed)."""
    row = session.get(DashboardUser, username) or DashboardUser(
        username=username, password_hash=password_hash, name=name, role=role, community=community
    )
    row.password_hash, row.name, row.role = password_hash, name, role
    row.community, row.disabled = community, disabled
    return _flushed(session, row)


def remove_group(session: Session, room_id: str) -> bool:
    """Unbind the room; False when it was not bound. Its tickets keep their room id."""
    return _deleted(session, session.get(Group, room_id))


def remove_member(session: Session, contact_id: str, community_code: str) -> bool:
    """Forget the person's role in the community; False when they had none."""
    return _deleted(session, member_in(session, contact_id, community_code))


def remove_user(session: Session, username: str) -> bool:
    """Delete the dashboard user; False when there was none (disabling keeps the record)."""
    return _deleted(session, session.get(DashboardUser, username))


def member_in(session: Session, contact_id: str, community_code: str) -> Member | None:
    """The person's row in this community, if any."""
    statement = select(Member).where(
        Member.contact_id == contact_id, Member.community_code == community_code
    )
    return session.exec(statement).first()


def dashboard_user(session: Session, username: str) -> DashboardUser | None:
    """The dashboard user with this name (disabled ones too), if any."""
    return session.get(DashboardUser, username)


def dashboard_users(session: Session) -> list[DashboardUser]:
    """Every dashboard user, by name."""
    return list(session.exec(select(DashboardUser).order_by(col(DashboardUser.username))).all())


_Saved = TypeVar("_Saved", bound=SQLModel)


def _flushed(session: Session, row: _Saved) -> _Saved:
    # Flushed one by one so a key listed twice updates the row instead of clashing, and
    # children (groups, members) find the community they refer to.
    session.add(row)
    session.flush()
    return row


def _deleted(session: Session, row: SQLModel | None) -> bool:
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def community_by_code(session: Session, code: str) -> Community | None:
    """The community with this code, if any."""
    return session.get(Community, code)


def group_by_room(session: Session, room_id: str) -> Group | None:
    """The group bound to this chat room id, if any."""
    return session.get(Group, room_id)


def member_roles(session: Session, contact_id: str) -> list[Member]:
    """Every role this contact holds, one row per community, in a stable order."""
    statement = (
        select(Member)
        .where(Member.contact_id == contact_id)
        .order_by(Member.community_code, col(Member.id))
    )
    return list(session.exec(statement).all())


def secretary_ids(session: Session) -> list[str]:
    """The WeChat ids of every community's secretaries, as the database holds them now."""
    statement = select(Member.contact_id).where(Member.role == "secretary")
    return list(dict.fromkeys(session.exec(statement.order_by(col(Member.id))).all()))


def people_of(
    session: Session, codes: Sequence[str]
) -> tuple[list[Member], list[tuple[str, str]]]:
    """The members (oldest first) and the six-party rooms (community, room id) of these
    communities: everything a notice about their tickets may mention or post to."""
    members = session.exec(
        select(Member).where(col(Member.community_code).in_(codes)).order_by(col(Member.id))
    )
    rooms = session.exec(
        select(Group.community_code, Group.room_id).where(
            col(Group.community_code).in_(codes), Group.kind == "six_party"
        )
    )
    return list(members), [(code, room) for code, room in rooms.all()]


def members_by_name(session: Session, name: str) -> list[Member]:
    """Members whose display name is exactly ``name`` (names are not unique), oldest first."""
    statement = select(Member).where(Member.name == name).order_by(col(Member.id))
    return list(session.exec(statement).all())
