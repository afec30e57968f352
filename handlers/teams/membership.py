"""加入服务队 / 移出服务队: the secretary manages team members in chat, as roles are managed."""

from __future__ import annotations

import re

from handlers.commands.base import Refusal
from handlers.commands.parser import Command
from handlers.context import Context
from handlers.events import Reply
from handlers.replies import answer
from handlers.teams.fields import FIELD_WORDS, FIELDS
from storage.checks import saved_id
from storage.people import members_named
from storage.volunteers.models import Team
from storage.volunteers.teams import join_team, leave_team, team_of_field

JOIN = "加入服务队 @志愿者小杨 民生救助"
LEAVE = "移出服务队 @志愿者小杨 民生救助"
_ARGS = re.compile(r"^@?(\S+)\s+(\S+)$")


def _team(ctx: Context, word: str) -> Team:
    """The community's team named by its field (民生救助, 民生救助服务队) or colour (黄)."""
    if ctx.community_code is None:
        raise Refusal("请在本社区的群里发，机器人才知道是哪个社区的服务队。")
    word = word.removesuffix("服务队")
    colours = {f.colour: code for code, f in FIELDS.items()}
    field = FIELD_WORDS.get(word) or colours.get(word)
    team = team_of_field(ctx.session, ctx.community_code, field) if field else None
    if team is None or team.id is None:
        names = "、".join(name for name in FIELD_WORDS)
        raise Refusal(f"没有“{word}”服务队。可以写：{names}")
    return team


def _person(ctx: Context, team: Team, name: str) -> tuple[str, str]:
    """(contact id, name) of the @-mentioned person, or of the one member of that name."""
    if ctx.event.mentions:
        return ctx.event.mentions[0], name
    # The team is the community's (``_team`` found it by ctx.community_code).
    found = members_named(ctx.session, team.community_code, name)
    if len(found) != 1:
        raise Refusal(f"请用 @ 选中{name}，我才知道是哪一位。")
    return found[0].contact_id, found[0].name


def join(ctx: Context, cmd: Command) -> list[Reply]:
    """Add someone to a team; they will be offered its 服务单 from now on."""
    m = _ARGS.match(cmd.rest)
    if not m:
        raise Refusal(f"请这样写：{JOIN}")
    team = _team(ctx, m[2])
    contact_id, name = _person(ctx, team, m[1])
    team_id = saved_id(team)
    join_team(ctx.session, team_id, contact_id, name)
    text = f"好的，{name}加入了{team.name}，以后这个队的服务单会私聊发给{name}。"
    return [answer(ctx, text), Reply(text=f"您已加入{team.name}。{text[3:]}", to_id=contact_id)]


def leave(ctx: Context, cmd: Command) -> list[Reply]:
    """Take someone off a team (their banked hours stay theirs)."""
    m = _ARGS.match(cmd.rest)
    if not m:
        raise Refusal(f"请这样写：{LEAVE}")
    team = _team(ctx, m[2])
    contact_id, name = _person(ctx, team, m[1])
    if not leave_team(ctx.session, saved_id(team), contact_id):
        raise Refusal(f"{name}不在{team.name}里。发「服务队」看各队。")
    return [answer(ctx, f"好的，{name}已移出{team.name}，已存的时长不受影响。")]
