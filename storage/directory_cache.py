"""The directory read once per process and reused, until a transaction writes it.

Every commit that writes a community, group or member (in any session of this process: the
dispatcher's, the dashboard's) bumps :func:`generation`; a :class:`DirectoryCache` made before
it forgets its copies at its next look-up. Another process's writes are seen through the
audit version the dispatcher hands to :meth:`DirectoryCache.check_version`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, SQLModel

from storage.core import loaded
from storage.db import ProjectSession
from storage.directory import group_by_room, member_roles, people_of
from storage.models import Community, Group, Member

_CHANGED = "liufang.directory_changed"
_CACHE = "liufang.directory_cache"
_generation = [0]  # bumped by every commit that wrote the directory, in any session
_generation_lock = threading.Lock()


@event.listens_for(ProjectSession, "before_flush")
def _note_directory_change(session: Session, _context: object, _instances: object) -> None:
    # Any write to the directory makes every process-local copy of it stale.
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Community | Group | Member):
            session.info[_CHANGED] = True
            return


@event.listens_for(Session, "after_commit")
def _bump_generation(session: Session) -> None:
    # The dashboard writes in its own sessions: every cache of this process must hear of it.
    if session.info.pop(_CHANGED, False):
        with _generation_lock:
            _generation[0] += 1


@event.listens_for(Session, "after_rollback")
def _forget_change(session: Session) -> None:
    session.info.pop(_CHANGED, None)


def _directory_pending(session: Session) -> bool:
    """Whether this transaction has written, or is about to write, the directory."""
    if session.info.get(_CHANGED):
        return True
    return any(
        isinstance(obj, Community | Group | Member)
        for obj in (*session.new, *session.dirty, *session.deleted)
    )


def generation() -> int:
    """How many committed transactions of this process have written the directory so far."""
    return _generation[0]


def people_in(
    session: Session, codes: Sequence[str]
) -> tuple[list[Member], list[tuple[str, str]]]:
    """:func:`people_of`, from the dispatcher's directory cache when the session carries one.

    The members handed out may be detached copies: read them, never change them.
    """
    cache = session.info.get(_CACHE)
    if not isinstance(cache, DirectoryCache) or _directory_pending(session):
        return people_of(session, codes)
    return cache.people(session, codes)


class DirectoryCache:
    """Groups and members read once and reused, until a transaction writes the directory.

    Every message needs its group and its sender's roles; they change only through binding
    and role commands (and the config at start-up). The rows' values are kept and each
    session is handed objects of them as its own query would (``core.loaded``): attached,
    without a query. Valid for one process writing the directory: the leader (it owns the
    chat account); a standby forgets it every message.
    """

    def __init__(self) -> None:
        """Start empty."""
        self._groups: dict[str, dict[str, Any] | None] = {}
        self._members: dict[str, list[dict[str, Any]]] = {}
        self._people: dict[tuple[str, ...], tuple[list[Member], list[tuple[str, str]]]] = {}
        self._generation = generation()
        self._version = -1  # see check_version

    def attach(self, session: Session) -> None:
        """Let what runs in ``session`` (routing's :class:`People`) read through this cache."""
        self._check()
        session.info[_CACHE] = self

    def people(
        self, session: Session, codes: Sequence[str]
    ) -> tuple[list[Member], list[tuple[str, str]]]:
        """:func:`people_of` these communities, loaded once per directory version."""
        self._check()
        key = tuple(codes)
        if key not in self._people:
            members, rooms = people_of(session, key)
            self._people[key] = ([_detached_copy(m) for m in members], rooms)
            return members, rooms
        members, rooms = self._people[key]
        return list(members), list(rooms)

    def _check(self) -> None:
        # Any directory write committed in this process since the copies were read (a role
        # set in the dashboard, say) makes them stale.
        if self._generation != generation():
            self.forget()

    def group(self, session: Session, room_id: str) -> Group | None:
        """The group bound to ``room_id``, attached to ``session``."""
        self._check()
        if room_id not in self._groups:
            found = group_by_room(session, room_id)
            self._groups[room_id] = _values(found) if found else None
            return found
        cached = self._groups[room_id]
        return loaded(session, Group, cached) if cached is not None else None

    def member_roles(self, session: Session, contact_id: str) -> list[Member]:
        """Every role this contact holds, attached to ``session``."""
        self._check()
        if contact_id not in self._members:
            found = member_roles(session, contact_id)
            self._members[contact_id] = [_values(m) for m in found]
            return found
        return [loaded(session, Member, m) for m in self._members[contact_id]]

    def after_commit(self, session: Session) -> None:
        """Forget everything when the transaction just committed wrote the directory."""
        if session.info.pop(_CHANGED, False):
            self.forget()
        self._check()

    def check_version(self, version: int) -> None:
        """Forget everything when ``version`` (the newest audit row: every change made in the
        dashboard writes one, in whichever process served it) moved since the last call."""
        if version != self._version:
            self._version = version
            self.forget()

    def forget(self) -> None:
        """Drop every copy (another process may have written the directory)."""
        self._groups.clear()
        self._members.clear()
        self._people.clear()
        self._generation = generation()


_Row = TypeVar("_Row", bound=SQLModel)


def _values(row: SQLModel) -> dict[str, Any]:
    """The column values of a loaded row (what :func:`storage.core.loaded` takes)."""
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}  # type: ignore[attr-defined]


def _detached_copy(row: _Row) -> _Row:
    """A copy of a loaded row that a later session can take in without a query."""
    copy = type(row).model_validate(row.model_dump())
    make_transient_to_detached(copy)
    return copy
