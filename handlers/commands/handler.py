"""The command feature: parse, check the role, run the action, turn refusals into replies."""

from __future__ import annotations

from handlers.commands import admin, queries, reroute, tickets
from handlers.commands.base import (
    EVERYONE,
    PARTIES,
    RESPONDERS,
    SECRETARY,
    STAFF,
    Refusal,
    Spec,
    check_role,
)
from handlers.commands.parser import Command, parse
from handlers.context import Context
from handlers.events import Reply
from handlers.hall import commands as hall
from handlers.hall import resolutions
from handlers.replies import answer
from handlers.vocabulary import ROLE_LABELS

COMMANDS: dict[str, Spec] = {
    "claim": Spec(PARTIES, tickets.claim, "认领 T12"),
    "arrive": Spec(RESPONDERS, tickets.arrive, "到场 T12"),
    "progress": Spec(STAFF, tickets.progress, "进展 T12 已联系电工，明天上门"),
    "resolve": Spec(PARTIES, tickets.resolve, "办结 T12 已更换灯泡"),
    "transfer": Spec(PARTIES, reroute.transfer, "转交 T12 物业"),
    "reclass": Spec(PARTIES, reroute.reclass, "改为 急事 T12"),
    "merge": Spec(PARTIES, reroute.merge, "合并 T12 T10"),
    "reject": Spec(PARTIES, tickets.reject, "驳回 T12 不属于社区管理范围"),
    "rate": Spec(EVERYONE, tickets.rate, "评价 T12 满意"),
    "query": Spec(EVERYONE, queries.query, "查询 路灯"),
    "mine": Spec(EVERYONE, queries.mine, "我的工单"),
    "stats": Spec(STAFF, queries.stats, "统计"),
    "bind": Spec(EVERYONE, admin.bind, "绑定 毛塘路社区 六方群"),  # checks the secretary itself
    "unbind": Spec(EVERYONE, admin.unbind, "解绑"),
    "set_role": Spec(SECRETARY, admin.set_role, "设置角色 @张经理 物业"),
    "roles": Spec(STAFF, admin.roles, "角色"),
    "agenda": Spec(EVERYONE, hall.show_agenda, "议程"),
    "convene": Spec(hall.CHAIRS, hall.convene, "召开议事 12月3日 15:00"),
    "decide": Spec(hall.CHAIRS, resolutions.decide, resolutions.EXAMPLE),
    "adjourn": Spec(hall.CHAIRS, hall.adjourn, "休会"),
}


def help_text(role: str) -> str:
    """The commands this role may use, each with an example."""
    lines = [f"您是{ROLE_LABELS.get(role, '居民')}，可以发："]
    if role in {"resident", "volunteer", "grid_leader"}:
        lines.append("报事：直接说问题和位置，如“3栋2单元门口路灯坏了”")
    for spec in COMMANDS.values():
        if spec.action in (admin.bind, admin.unbind) and role != "secretary":
            continue
        if not spec.roles or role in spec.roles:
            lines.append(spec.example)
    return "\n".join(lines)


class CommandHandler:
    """Runs chat commands; a message that is not a command is passed on."""

    name = "commands"

    def handle(self, ctx: Context) -> list[Reply] | None:
        """Carry out the command in the message, or return None when there is none."""
        if ctx.event.kind != "text":
            return None
        cmd = parse(ctx.text)
        if cmd is None:
            return None
        if cmd.verb == "help":
            return [answer(ctx, help_text(ctx.role))]
        if ctx.group is None and not ctx.event.is_private and cmd.verb != "bind":
            # An unbound group: stay quiet unless spoken to, as for reports.
            return None
        spec = COMMANDS[cmd.verb]
        try:
            check_role(ctx, cmd, spec)
            return spec.action(ctx, cmd)
        except Refusal as refusal:
            ctx.session.rollback()  # a refusal changes nothing, even if the action began to
            return [answer(ctx, str(refusal))]


__all__ = ["COMMANDS", "Command", "CommandHandler", "help_text"]
