"""Checked changes to the directory: members, roles, phones, the on-duty roster, bindings.

What the chat commands (设置角色, 绑定, 解绑) and the dashboard's people pages both call: the
checks and the before/after states for the audit trail live here, the writes themselves are
``storage.directory``'s ``save_*``/``remove_*``. Each function changes rows in the caller's
session; the caller commits them together with its audit row. A change that cannot be made
raises :class:`DirectoryError` with a Chinese reason before anything is written.
"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, col, select

from storage import directory
from storage.models import DashboardUser, Group, Member

GRID_ROLE = "grid_leader"
PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,30}$")

Snapshot = dict[str, Any] | None


class DirectoryError(ValueError):
    """A directory change that cannot be made; the message says why, in Chinese."""


def member_state(member: Member | None) -> Snapshot:
    """What the audit keeps of a member (None when there is none)."""
    if member is None:
        return None
    return {
        "name": member.name,
        "contact_id": member.contact_id,
        "role": member.role,
        "grid": member.grid,
        "phone": mask_phone(member.phone),
        "on_duty": member.on_duty,
    }


def group_state(group: Group | None) -> Snapshot:
    """What the audit keeps of a group binding (None when unbound)."""
    if group is None:
        return None
    return {
        "room_id": group.room_id,
        "topic": group.topic,
        "kind": group.kind,
        "grid": group.grid,
    }


def mask_phone(phone: str) -> str:
    """A phone with its middle digits hidden (138****5678); short or empty ones as they are."""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def community_members(session: Session, community: str) -> list[Member]:
    """A community's members, oldest first."""
    statement = select(Member).where(Member.community_code == community).order_by(col(Member.id))
    return list(session.exec(statement).all())


def community_groups(session: Session, community: str) -> list[Group]:
    """A community's bound groups: the six-party group first, then grids by name."""
    statement = select(Group).where(Group.community_code == community)
    rows = session.exec(statement).all()
    return sorted(rows, key=lambda g: (g.kind != "six_party", g.grid or "", g.topic))


def set_member(
    session: Session,
    community: str,
    contact_id: str,
    name: str,
    role: str,
    grid: str | None = None,
    phone: str | None = None,
) -> tuple[Snapshot, Member]:
    """Give ``contact_id`` ``role`` in ``community`` (adding the member if new).

    A grid leader needs a grid; other roles keep none. ``phone`` None keeps the stored one.
    Returns the member's state before (None when new) and the member.
    """
    contact_id, name = contact_id.strip(), name.strip()
    grid = (grid or "").strip() or None
    if not contact_id or not name:
        raise DirectoryError("姓名和微信号都要填写。")
    if len(contact_id) > 128 or len(name) > 100 or (grid and len(grid) > 100):
        raise DirectoryError("姓名、微信号或网格名太长了。")
    if role == GRID_ROLE and not grid:
        raise DirectoryError("网格长要写网格，例如：1网格。")
    if phone is not None:
        phone = phone.strip()
        if phone and not PHONE.match(phone):
            raise DirectoryError("电话号码只能写数字（可以带 + 和 -），例如 13812345678。")
    before = member_state(directory.member_in(session, contact_id, community))
    member = directory.save_member(
        session, contact_id, community, name, role, grid if role == GRID_ROLE else None
    )
    if phone is not None and phone != member.phone:
        member.phone = phone
        session.add(member)
        session.flush()
    return before, member


def set_on_duty(session: Session, member: Member, on_duty: bool) -> Snapshot:
    """Put the member on (or take them off) the on-duty roster; returns the state before."""
    before = member_state(member)
    member.on_duty = on_duty
    session.add(member)
    session.flush()
    return before


def remove_member(session: Session, member: Member) -> Snapshot:
    """Delete the member (their tickets keep their names); returns the state before."""
    before = member_state(member)
    directory.remove_member(session, member.contact_id, member.community_code)
    return before


def bind_group(
    session: Session, community: str, room_id: str, topic: str, kind: str, grid: str | None
) -> Group:
    """Bind a chat room to ``community`` as its six-party group or a grid's group."""
    room_id, topic, grid = room_id.strip(), topic.strip(), (grid or "").strip() or None
    if not room_id or not topic:
        raise DirectoryError("群 id 和群名都要填写。")
    if len(room_id) > 128 or len(topic) > 200 or (grid and len(grid) > 100):
        raise DirectoryError("群 id、群名或网格名太长了。")
    if kind not in ("six_party", "grid"):
        raise DirectoryError("群的类型只能是六方群或网格群。")
    if kind == "grid" and not grid:
        raise DirectoryError("网格群要写网格，例如：1网格。")
    existing = session.get(Group, room_id)
    if existing is not None:
        raise DirectoryError(f"这个群已经绑定为「{existing.topic}」，要改绑请先解绑。")
    if kind == "six_party":
        six = session.exec(
            select(Group).where(Group.community_code == community, Group.kind == "six_party")
        ).first()
        if six is not None:
            raise DirectoryError(f"本社区已有六方群「{six.topic}」，请先解绑那个群。")
    return directory.save_group(session, room_id, topic, kind, community, grid)


def unbind_group(session: Session, group: Group) -> Snapshot:
    """The room is no longer the community's; returns the binding it had."""
    before = group_state(group)
    directory.remove_group(session, group.room_id)
    return before


def user_state(row: DashboardUser | None) -> Snapshot:
    """What the audit keeps of a dashboard user: never the password hash."""
    if row is None:
        return None
    return {
        "username": row.username,
        "name": row.name,
        "role": row.role,
        "community": row.community,
        "disabled": row.disabled,
    }
