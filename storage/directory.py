"""The directory: communities, their groups and members, as the configuration defines them.

The configuration is the source of truth for what it names, but rows added another way (by a
command, say) are left alone: syncing only inserts and updates, it never deletes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, SQLModel, select

from storage.models import Community, Group, Member


def sync_directory(
    session: Session,
    communities: Sequence[Community],
    groups: Sequence[Group],
    members: Sequence[Member],
) -> None:
    """Upsert the configured directory; idempotent, flushes but leaves the commit to the caller.

    Communities match by code, groups by room id, members by (contact id, community code).
    The given objects are copied, never attached, so a caller may pass the same ones again.
    """
    for community in communities:
        row = session.get(Community, community.code)
        if row is None:
            session.add(
                Community(code=community.code, name=community.name, district=community.district)
            )
            # Flushed one by one so a code listed twice updates the row instead of clashing.
            session.flush()
            continue
        row.name = community.name
        row.district = community.district
    # Groups and members refer to communities: those rows must exist before their children.
    session.flush()

    for group in groups:
        existing = session.get(Group, group.room_id)
        if existing is None:
            session.add(
                Group(
                    room_id=group.room_id,
                    topic=group.topic,
                    kind=group.kind,
                    community_code=group.community_code,
                    grid=group.grid,
                )
            )
            session.flush()
            continue
        existing.topic = group.topic
        existing.kind = group.kind
        existing.community_code = group.community_code
        existing.grid = group.grid

    for member in members:
        found = session.exec(
            select(Member).where(
                Member.contact_id == member.contact_id,
                Member.community_code == member.community_code,
            )
        ).first()
        if found is None:
            session.add(
                Member(
                    contact_id=member.contact_id,
                    name=member.name,
                    role=member.role,
                    community_code=member.community_code,
                    grid=member.grid,
                )
            )
            # Flush now so a repeated (contact, community) later in the list updates this row
            # instead of inserting a second one that the unique constraint would reject.
            session.flush()
            continue
        found.name = member.name
        found.role = member.role
        found.grid = member.grid
    session.flush()


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
        .order_by(Member.community_code, Member.id)
    )
    return list(session.exec(statement).all())


def members_by_name(session: Session, name: str) -> list[Member]:
    """Members whose display name is exactly ``name`` (names are not unique), oldest first."""
    statement = select(Member).where(Member.name == name).order_by(Member.id)
    return list(session.exec(statement).all())


_CHANGED = "liufang.directory_changed"


@event.listens_for(Session, "before_flush")
def _note_directory_change(session: Session, _context: object, _instances: object) -> None:
    # Any write to the directory makes every process-local copy of it stale.
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Community | Group | Member):
            session.info[_CHANGED] = True
            return


class DirectoryCache:
    """Groups and members read once and reused, until a transaction writes the directory.

    Every message needs its group and its sender's roles; they change only through binding
    and role commands (and the config at start-up). Copies are handed to each session with
    ``merge(load=False)``: attached objects, without a query. Valid for one process writing
    the directory: the leader (it owns the chat account); a standby forgets it every message.
    """

    def __init__(self) -> None:
        """Start empty."""
        self._groups: dict[str, Group | None] = {}
        self._members: dict[str, list[Member]] = {}

    def group(self, session: Session, room_id: str) -> Group | None:
        """The group bound to ``room_id``, attached to ``session``."""
        if room_id not in self._groups:
            found = group_by_room(session, room_id)
            self._groups[room_id] = _detached_copy(found) if found else None
            return found
        cached = self._groups[room_id]
        return session.merge(cached, load=False) if cached is not None else None

    def member_roles(self, session: Session, contact_id: str) -> list[Member]:
        """Every role this contact holds, attached to ``session``."""
        if contact_id not in self._members:
            found = member_roles(session, contact_id)
            self._members[contact_id] = [_detached_copy(m) for m in found]
            return found
        return [session.merge(m, load=False) for m in self._members[contact_id]]

    def after_commit(self, session: Session) -> None:
        """Forget everything when the transaction just committed wrote the directory."""
        if session.info.pop(_CHANGED, False):
            self.forget()

    def forget(self) -> None:
        """Drop every copy (another process may have written the directory)."""
        self._groups.clear()
        self._members.clear()


_Row = TypeVar("_Row", bound=SQLModel)


def _detached_copy(row: _Row) -> _Row:
    """A copy of a loaded row that a later session can take in without a query."""
    copy = type(row).model_validate(row.model_dump())
    make_transient_to_detached(copy)
    return copy
