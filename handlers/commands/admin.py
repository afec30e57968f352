"""The secretary's commands: bind a group to a community, unbind it, and set roles."""

from __future__ import annotations

import re

from handlers.commands.base import Refusal, community_of
from handlers.commands.parser import Command
from handlers.commands.reroute import ROLE_WORDS
from handlers.context import Context
from handlers.events import Reply
from handlers.replies import answer
from handlers.vocabulary import ROLE_LABELS, ROLES
from storage import audit, people
from storage.directory_edit import (
    DirectoryError,
    bind_group,
    group_state,
    member_state,
    set_member,
    unbind_group,
)
from storage.models import Community

BIND_USAGE = "绑定六方群：绑定 毛塘路社区 六方群；绑定网格群：绑定 毛塘路社区 网格 1网格"
_SIX_WORDS = ("六方议事群", "六方群", "六方")
ROLE_NAMES = {**ROLE_WORDS, "网格员": "grid_leader", "居民": "resident", "志愿者": "volunteer"}


def _secretary_of(ctx: Context, community_code: str) -> bool:
    return people.is_secretary(ctx.session, ctx.event.sender_id, community_code)


def _community_named(ctx: Context, words: str) -> Community | None:
    for c in people.communities_by_name_desc(ctx.session):
        short = c.name.removesuffix("社区")
        if words.startswith((c.name, c.code, short)):
            return c
    return None


def bind(ctx: Context, cmd: Command) -> list[Reply]:
    """绑定 <社区> 六方群 | 绑定 <社区> 网格 <网格名>: bind this group by its room id."""
    ev = ctx.event
    if ev.is_private or ev.room_id is None:
        raise Refusal("请在要绑定的群里发这条命令。" + BIND_USAGE)
    community = _community_named(ctx, cmd.rest)
    if community is None:
        raise Refusal(f"没认出是哪个社区。{BIND_USAGE}")
    if not _secretary_of(ctx, community.code):
        raise Refusal(f"只有{community.name}的社区书记可以绑定群。")
    rest = re.sub(rf"^({re.escape(community.name)}|{re.escape(community.code)})", "", cmd.rest)
    rest = rest.removeprefix(community.name.removesuffix("社区")).strip()
    if ctx.group is not None:
        raise Refusal("本群已经绑定了。要改绑，请先发「解绑」。")
    if rest.startswith(_SIX_WORDS):
        existing = people.six_party_group(ctx.session, community.code)
        if existing is not None:
            raise Refusal(
                f"{community.name}已有六方群「{existing.topic}」，请先在那个群里发「解绑」。"
            )
        kind, grid = "six_party", None
        done = f"好的，本群已绑定为{community.name}六方议事群。新工单会发到这里。"
    else:
        grid = re.sub(r"^网格群?\s*", "", rest).strip()[:100]
        if not rest.startswith("网格") or not grid:
            raise Refusal(BIND_USAGE)
        kind = "grid"
        done = f"好的，本群已绑定为{community.name}{grid}网格群。居民可以直接在群里报事。"
    try:
        group = bind_group(
            ctx.session, community.code, ev.room_id, ev.room_topic or ev.room_id, kind, grid
        )
    except DirectoryError as exc:
        raise Refusal(str(exc)) from exc
    _audit(ctx, community.code, "group.bind", group.topic, None, group_state(group))
    return [answer(ctx, done)]


def _audit(
    ctx: Context, community: str, action: str, target: str, before: object, after: object
) -> None:
    """The chat's directory changes join the dashboard's in the audit trail (操作记录)."""
    audit.record(
        ctx.session,
        ctx.event.sender_id,
        community,
        action,
        target,
        before,
        after,
        actor_name=ctx.event.sender_name,
        at=ctx.now,
    )


def unbind(ctx: Context, cmd: Command) -> list[Reply]:
    """解绑: this group is no longer the community's; the bot stops filing reports here."""
    if ctx.group is None:
        raise Refusal("本群没有绑定，不用解绑。")
    if not _secretary_of(ctx, ctx.group.community_code):
        raise Refusal("只有本社区的社区书记可以解绑群。")
    group = ctx.group
    before = unbind_group(ctx.session, group)
    _audit(ctx, group.community_code, "group.unbind", group.topic, before, None)
    return [answer(ctx, "本群已解绑，我不再登记本群的报事。以前的工单照常办理。")]


def set_role(ctx: Context, cmd: Command) -> list[Reply]:
    """设置角色 @某人 物业 [网格名]: give someone a role in this community."""
    community = community_of(ctx)
    m = re.match(r"^@(\S+)\s+(\S+)(?:\s+(\S+))?$", cmd.rest)
    if not m:
        raise Refusal(
            "请这样写：设置角色 @张经理 物业（网格长要加网格：设置角色 @李网格长 网格长 1网格）"
        )
    name, role_word, grid = m[1], m[2], m[3]
    role = ROLE_NAMES.get(role_word, role_word if role_word in ROLES else None)
    if role is None:
        roles = "、".join(ROLE_LABELS.values())
        raise Refusal(f"没有“{role_word}”这个角色。可以设：{roles}")
    if role == "grid_leader" and not grid:
        raise Refusal(f"网格长要写网格，例如：设置角色 @{name} 网格长 1网格")
    contact_id = ctx.event.mentions[0] if ctx.event.mentions else None
    member = people.member_by_contact_or_name(ctx.session, community, contact_id, name)
    if member is None and contact_id is None:
        raise Refusal(f"请用 @ 选中{name}，我才知道是群里哪一位。")
    who, known = (member.contact_id, member.name) if member else (contact_id or "", name)
    try:
        before, member = set_member(ctx.session, community, who, known, role, grid)
    except DirectoryError as exc:
        raise Refusal(str(exc)) from exc
    action = "member.add" if before is None else "member.role"
    _audit(ctx, community, action, f"{member.name}（{who}）", before, member_state(member))
    where = f"（{grid}）" if member.grid else ""
    return [answer(ctx, f"好的，{name}现在是{ROLE_LABELS[role]}{where}。")]


def roles(ctx: Context, cmd: Command) -> list[Reply]:
    """角色: who holds which role in this community."""
    community = community_of(ctx)
    members = people.members_of(ctx.session, community)
    lines = []
    for role in ROLES:
        names = [m.name + (f"（{m.grid}）" if m.grid else "") for m in members if m.role == role]
        if names and role != "resident":
            lines.append(f"{ROLE_LABELS[role]}：{'、'.join(names)}")
    return [answer(ctx, "\n".join(lines) or "还没有设置任何角色。")]
