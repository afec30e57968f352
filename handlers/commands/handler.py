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
from handlers.commands.downgrade import DECIDERS
from handlers.commands.parser import Command, parse
from handlers.context import Context
from handlers.events import Reply
from handlers.hall import commands as hall
from handlers.hall import resolutions
from handlers.replies import answer
from handlers.teams import account, board, correct, membership, orders, redeem, roster
from handlers.vocabulary import ROLE_LABELS

# 帮助 管理: binding, roles, the hall and team records; 帮助 服务队: volunteers and the time bank.
MANAGE, TEAMS = "管理", "服务队"
TOPICS = {MANAGE: "绑定、角色、议事厅", TEAMS: "服务队、时间账户、兑换"}

COMMANDS: dict[str, Spec] = {
    "claim": Spec(PARTIES, tickets.claim, "认领 T12", "接下这件事，由您负责"),
    "arrive": Spec(RESPONDERS, tickets.arrive, "到场 T12", "急事：告诉大家您已到现场"),
    "progress": Spec(STAFF, tickets.progress, "进展 T12 已联系电工，明天上门", "说说办到哪一步"),
    "resolve": Spec(PARTIES, tickets.resolve, "办结 T12 已更换灯泡", "办好了，写上结果"),
    "transfer": Spec(PARTIES, reroute.transfer, "转交 T12 物业", "交给更合适的一方"),
    "reclass": Spec(PARTIES, reroute.reclass, "改为 急事 T12", "分错了就改：急事/小事/难事或类别"),
    "merge": Spec(PARTIES, reroute.merge, "合并 T12 T10", "同一件事报了两次，并成一件"),
    "reject": Spec(PARTIES, tickets.reject, "驳回 T12 不属于社区管理范围", "不受理，写上原因"),
    "reopen": Spec(DECIDERS, tickets.reopen, tickets.REOPEN, "办结或驳回的事重新办理"),
    "rate": Spec(EVERYONE, tickets.rate, "评价 T12 满意", "办结后打分：满意/基本满意/不满意"),
    "query": Spec(EVERYONE, queries.query, "查询 路灯", "按关键词或工单号查进度"),
    "mine": Spec(EVERYONE, queries.mine, "我的工单", "看您报的和您负责的事"),
    "stats": Spec(STAFF, queries.stats, "统计", "本社区工单的数目和超期"),
    # 绑定 checks the secretary itself (a group not yet bound has no community to ask).
    "bind": Spec(EVERYONE, admin.bind, "绑定 毛塘路社区 六方群", "把本群接入社区", topic=MANAGE),
    "unbind": Spec(EVERYONE, admin.unbind, "解绑", "本群不再接入", topic=MANAGE),
    "set_role": Spec(
        SECRETARY, admin.set_role, "设置角色 @张经理 物业", "定谁是哪一方", topic=MANAGE
    ),
    "roles": Spec(STAFF, admin.roles, "角色", "看本社区各方都有谁", topic=MANAGE),
    "agenda": Spec(EVERYONE, hall.show_agenda, "议程", "看议事厅要议的事"),
    "convene": Spec(
        hall.CHAIRS, hall.convene, "召开议事 12月3日 15:00", "定议事厅的时间", topic=MANAGE
    ),
    "decide": Spec(hall.CHAIRS, resolutions.decide, resolutions.EXAMPLE, "记下决议", topic=MANAGE),
    "adjourn": Spec(hall.CHAIRS, hall.adjourn, "休会", "结束本次议事", topic=MANAGE),
    # 五彩先锋服务队 and 时间银行: who may take or confirm is checked against the order itself.
    "teams": Spec(
        EVERYONE, roster.show_teams, "服务队", "看五支先锋服务队和怎么加入", topic=TEAMS
    ),
    "take": Spec(EVERYONE, orders.take, orders.TAKE, "队员接下服务单", topic=TEAMS),
    "serve": Spec(EVERYONE, orders.serve, orders.SERVE, "接单的人报服务时长和内容", topic=TEAMS),
    "confirm": Spec(
        EVERYONE, orders.confirm, orders.CONFIRM, "被服务的人或六方确认，时长才入账", topic=TEAMS
    ),
    "account": Spec(
        EVERYONE, account.show_account, "时间账户", "看我的服务时长余额和明细", topic=TEAMS
    ),
    "board": Spec(
        EVERYONE, board.show_board, "排行榜", "本月服务时长排名；加「总榜」看累计", topic=TEAMS
    ),
    "redeem": Spec(
        EVERYONE, redeem.exchange, "兑换 理发", "私聊里用时长兑换服务或物品", topic=TEAMS
    ),
    "team_join": Spec(SECRETARY, membership.join, membership.JOIN, "把人加入服务队", topic=MANAGE),
    "team_leave": Spec(
        SECRETARY, membership.leave, membership.LEAVE, "把人移出服务队", topic=MANAGE
    ),
    "correct": Spec(
        SECRETARY, correct.correct, correct.EXAMPLE, "更正志愿者时长（留痕）", topic=MANAGE
    ),
}


def help_text(role: str, topic: str = "") -> str:
    """The commands this role may use, each with what it does; 帮助 管理 / 帮助 服务队 show
    the rest, so the first answer stays short."""
    topic = topic.strip() if topic.strip() in TOPICS else ""
    usable = [
        spec
        for spec in COMMANDS.values()
        if (not spec.roles or role in spec.roles)
        and (role == "secretary" or spec.action not in (admin.bind, admin.unbind))
    ]
    you = ROLE_LABELS.get(role, "居民")
    # A volunteer's daily work is the team's: their first answer lists those commands too.
    shown = {topic} if topic or role != "volunteer" else {"", TEAMS}
    mine = [spec for spec in usable if spec.topic in shown]
    if topic and not mine:
        return f"您是{you}，{topic}的命令由社区书记和居委使用。发「帮助」看您能用的命令。"
    lines = [f"您是{you}，可以发："]
    if not topic and role in {"resident", "volunteer", "grid_leader"}:
        lines.append("直接说问题和位置就是报事，如：3栋2单元门口路灯坏了")
    lines += [f"「{spec.example}」{spec.explain}" for spec in mine]
    if not topic:
        more = [t for t in TOPICS if t not in shown and any(spec.topic == t for spec in usable)]
        lines += [f"{TOPICS[t]}：发「帮助 {t}」" for t in more]
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
            return [answer(ctx, help_text(ctx.role, cmd.rest))]
        if ctx.group is None and not ctx.event.is_private and cmd.verb != "bind":
            # An unbound group: stay quiet unless spoken to, as for reports.
            return None
        return run_command(ctx, cmd)[0]


def run_command(ctx: Context, cmd: Command) -> tuple[list[Reply], str | None]:
    """Check the sender's role and carry out ``cmd``: its replies, and the reason when it was
    refused (None when done). The chat and the dashboard both act through here."""
    spec = COMMANDS[cmd.verb]
    try:
        check_role(ctx, cmd, spec)
        return spec.action(ctx, cmd), None
    except Refusal as refusal:
        ctx.session.rollback()  # a refusal changes nothing, even if the action began to
        return [answer(ctx, str(refusal))], str(refusal)


__all__ = ["COMMANDS", "Command", "CommandHandler", "help_text", "run_command"]
