"""时间账户: my balance, what I served, and my last entries — told privately."""

from __future__ import annotations

from handlers.commands.base import Refusal
from handlers.commands.parser import Command
from handlers.context import Context
from handlers.events import Reply
from handlers.teams.hours import hours_text
from storage.volunteers.ledger import account, last_entries

KIND_LABELS = {"credit": "服务", "debit": "兑换", "correction": "更正"}
SHOWN = 5


def community_or_refuse(ctx: Context) -> str:
    """The sender's community, or a refusal saying where to ask instead."""
    if ctx.community_code is None:
        raise Refusal(
            "我还不知道您是哪个社区的。请在您所在的网格群里发这条命令，或请社区书记登记您。"
        )
    return ctx.community_code


def private(ctx: Context, text: str) -> list[Reply]:
    """Personal figures go privately; in a group, the group only hears where they went."""
    replies = [Reply(text=text, to_id=ctx.event.sender_id)]
    if not ctx.event.is_private:
        replies.append(
            Reply(
                text="已私聊发给您。",
                room_id=ctx.event.room_id,
                mention_ids=(ctx.event.sender_id,),
            )
        )
    return replies


def show_account(ctx: Context, cmd: Command) -> list[Reply]:
    """时间账户: balance, hours served, and the newest entries."""
    found = account(ctx.session, community_or_refuse(ctx), ctx.event.sender_id)
    if found is None or found.id is None:
        return private(
            ctx,
            "您的时间账户还是 0 小时。参加服务队的服务，经确认后按小时存入。发「服务队」看看。",
        )
    lines = [
        f"【时间账户】{found.name}",
        f"余额 {hours_text(found.balance)}，累计服务 {hours_text(found.earned)}",
    ]
    for e in last_entries(ctx.session, found.id, SHOWN):
        when = e.at.astimezone(ctx.now.tzinfo).strftime("%m-%d")
        sign = "+" if e.halves > 0 else ""
        lines.append(
            f"{when} {KIND_LABELS.get(e.kind, e.kind)} {sign}{hours_text(e.halves)} {e.reason}"
        )
    lines.append("发「兑换」看能换什么，发「排行榜」看排名。")
    return private(ctx, "\n".join(lines))
