"""服务队: the community's five teams, what each does, who leads it, and how to join."""

from __future__ import annotations

from handlers.commands.base import Refusal
from handlers.commands.parser import Command
from handlers.context import Context
from handlers.events import Reply
from handlers.replies import answer
from handlers.teams.fields import FIELDS
from storage.checks import saved_id
from storage.volunteers.teams import members_of, teams_of


def show_teams(ctx: Context, cmd: Command) -> list[Reply]:
    """List the teams with their colour, work, leader and size."""
    if ctx.community_code is None:
        raise Refusal("我还不知道您是哪个社区的。请在您所在的网格群里发「服务队」。")
    teams = teams_of(ctx.session, ctx.community_code)
    if not teams:
        raise Refusal("本社区还没有登记服务队，请问问社区书记。")
    lines = ["【五彩先锋服务队】"]
    for t in teams:
        t_id = saved_id(t)
        field = FIELDS.get(t.field)
        brand = f" {field.brand}" if field else ""
        leader = f"，队长{t.leader_name}" if t.leader_name else ""
        lines.append(f"{t.colour}·{t.name}{brand}{leader}，{len(members_of(ctx.session, t_id))}人")
    lines.append(
        "想加入哪个队，请告诉队长或社区书记（书记发「加入服务队 @您 队名」）。"
        "服务经确认后按小时存入时间账户。"
    )
    return [answer(ctx, "\n".join(lines))]
