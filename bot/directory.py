"""The configuration's directory versus the database's: seed once, then only compare.

The configuration names communities, groups, members and dashboard users. It seeds an empty
directory at the first start; after that the database is the source of truth (roles set with
设置角色, groups bound in chat, users managed in the web) and a start never undoes a change.
When the file and the database differ, start-up and ``check-config`` say so in one line;
``liufang import-config`` applies the file on request, after showing the differences.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from bot.config import Settings
from handlers.vocabulary import ROLE_LABELS
from storage.directory_edit import mask_phone
from storage.directory_state import (
    Change,
    CommunityRow,
    DirectoryState,
    GroupRow,
    MemberRow,
    Row,
    UserRow,
    apply_changes,
    diff_states,
    is_seeded,
    read_state,
    record_import,
)

_FIELDS = {
    "name": "名称",
    "district": "街道",
    "topic": "群名",
    "kind": "类型",
    "community": "社区",
    "grid": "网格",
    "role": "角色",
    "password_hash": "密码",
    "disabled": "停用",
    "phone": "电话",
    "on_duty": "值班",
}
_KINDS = {"six_party": "六方群", "grid": "网格群"}
_MARKS = {"add": "+", "change": "~", "remove": "-"}


def config_state(settings: Settings) -> DirectoryState:
    """The directory the configuration describes."""
    return DirectoryState(
        communities=tuple(
            CommunityRow(c.code, c.name, settings.district) for c in settings.communities
        ),
        groups=tuple(
            GroupRow(g.room_id, g.topic, g.kind, c.code, g.grid)
            for c in settings.communities
            for g in c.groups
        ),
        members=tuple(
            MemberRow(m.id, c.code, m.name, m.role, m.grid, m.phone, m.on_duty)
            for c in settings.communities
            for m in c.members
        ),
        users=tuple(
            UserRow(u.username, u.password_hash, u.name, u.role, u.community, u.disabled)
            for u in settings.web.users
        ),
    )


def start_directory(session: Session, settings: Settings, now: datetime) -> str | None:
    """At start-up: seed an unseeded directory, else compare; the hint line when they differ.

    The seed adds and updates but removes nothing: a database written by an older version
    (which synced the file at every start) keeps what was added in chat.
    """
    wanted = config_state(settings)
    current = read_state(session)
    if not is_seeded(session):
        changes = [c for c in diff_states(current, wanted) if c.op != "remove"]
        apply_changes(session, changes)
        record_import(session, "seed", str(settings.path), len(changes), now)
        return None
    changes = diff_states(current, wanted)
    return differs_hint(settings.path, len(changes)) if changes else None


def differs_hint(path: Path, count: int) -> str:
    """One line: the file differs from the database, which wins, and how to apply the file."""
    return (
        f"{path} 里的社区、群、成员或看板账号与数据库有 {count} 处不同；以数据库为准，"
        f"启动时不会覆盖。要按配置文件改：liufang import-config --config {path}（先列出差异）"
    )


def kept_communities(current: DirectoryState, wanted: DirectoryState) -> list[str]:
    """Communities stored but not in the file: an import keeps them (they hold tickets)."""
    named = {c.code for c in wanted.communities}
    return [f"{c.name}（{c.code}）" for c in current.communities if c.code not in named]


def describe(changes: Sequence[Change], *states: DirectoryState) -> list[str]:
    """Each change as a readable line, e.g. ``~ 成员 张经理（wx-zhang，毛塘路社区）：角色 …``."""
    names = {c.code: c.name for s in states for c in s.communities}
    lines = []
    for change in changes:
        row = change.row
        head = f"{_MARKS[change.op]} {_title(row, names)}"
        if change.op == "change" and change.before is not None:
            lines.append(f"{head}：{_changed_fields(change.before, row, names)}")
        elif change.op == "add":
            lines.append(f"{head}：{_summary(row, names)}")
        else:
            lines.append(head)
    return lines


def _title(row: Row, names: dict[str, str]) -> str:
    if isinstance(row, CommunityRow):
        return f"社区 {row.name}（{row.code}）"
    if isinstance(row, GroupRow):
        return f"群 {row.topic}（{row.room_id}）"
    if isinstance(row, MemberRow):
        return f"成员 {row.name}（{row.contact_id}，{names.get(row.community, row.community)}）"
    return f"看板账号 {row.username}"


def _summary(row: Row, names: dict[str, str]) -> str:
    if isinstance(row, CommunityRow):
        return f"街道 {row.district or '无'}"
    if isinstance(row, GroupRow):
        grid = f" {row.grid}" if row.grid else ""
        return f"{names.get(row.community, row.community)} {_KINDS.get(row.kind, row.kind)}{grid}"
    if isinstance(row, MemberRow):
        return ROLE_LABELS.get(row.role, row.role) + (f" {row.grid}" if row.grid else "")
    where = "全街道" if row.community == "*" else names.get(row.community, row.community)
    state = "，已停用" if row.disabled else ""
    return f"{row.name}，{ROLE_LABELS.get(row.role, row.role)}，{where}{state}"


def _changed_fields(before: Row, after: Row, names: dict[str, str]) -> str:
    parts = []
    for f in dataclasses.fields(after):
        old, new = getattr(before, f.name), getattr(after, f.name)
        if old == new:
            continue
        label = _FIELDS.get(f.name, f.name)
        if f.name == "password_hash":
            parts.append(f"{label}已改")
        else:
            parts.append(f"{label} {_value(f.name, old, names)} → {_value(f.name, new, names)}")
    return "；".join(parts)


def _value(field: str, value: object, names: dict[str, str]) -> str:
    if value is None or value == "":
        return "无"
    if isinstance(value, bool):
        return "是" if value else "否"
    text = str(value)
    if field == "phone":
        return mask_phone(text)  # the diff is printed to a terminal and may be pasted on
    if field == "role":
        return ROLE_LABELS.get(text, text)
    if field == "kind":
        return _KINDS.get(text, text)
    if field == "community":
        return "全街道" if text == "*" else names.get(text, text)
    return text
