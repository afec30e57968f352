"""兑换: exchange banked hours for a service or goods from the community's catalogue."""

from __future__ import annotations

from handlers.commands.base import Refusal
from handlers.commands.parser import Command
from handlers.context import Context
from handlers.events import Reply
from handlers.replies import answer
from handlers.teams.account import community_or_refuse
from handlers.teams.hours import hours_text
from storage.volunteers.ledger import InsufficientBalance, balance
from storage.volunteers.models import CatalogueItem
from storage.volunteers.redeem import OutOfStock, catalogue, item_named, redeem

KIND_LABELS = {"service": "服务", "goods": "物品"}


def menu(items: list[CatalogueItem], have: int) -> str:
    """The catalogue with prices and stock, and the sender's balance."""
    lines = [f"您的余额 {hours_text(have)}。可以兑换："]
    for i in items:
        stock = f"剩 {i.stock}" if i.stock else "已兑完"
        lines.append(f"· {i.name}（{KIND_LABELS.get(i.kind, '')}）{hours_text(i.halves)}，{stock}")
    lines.append("兑换请发「兑换 名称」，例如：兑换 " + (items[0].name if items else "理发"))
    return "\n".join(lines)


def exchange(ctx: Context, cmd: Command) -> list[Reply]:
    """兑换 名称: in private, check balance and stock, take both, and issue a code."""
    if not ctx.event.is_private:
        raise Refusal("兑换请私聊我，发「兑换 名称」，兑换码只发给您本人。")
    community = community_or_refuse(ctx)
    me = ctx.event.sender_id
    items = catalogue(ctx.session, community)
    if not items:
        raise Refusal("本社区还没有可兑换的服务或物品，请问问社区书记。")
    name = cmd.rest.strip()
    item = item_named(ctx.session, community, name) if name else None
    if item is None:
        head = f"没有「{name}」这一项。" if name else ""
        return [answer(ctx, head + menu(items, balance(ctx.session, community, me)))]
    try:
        done = redeem(ctx.session, item, me, ctx.event.sender_name, ctx.now)
    except OutOfStock:
        raise Refusal(f"{item.name}已经兑完了，请换一项，发「兑换」看还有什么。") from None
    except InsufficientBalance as low:
        short = item.halves - low.balance
        raise Refusal(
            f"余额不够：您有 {hours_text(low.balance)}，{item.name}要 {hours_text(item.halves)}，"
            f"还差 {hours_text(short)}。参加服务队的服务可以攒时长，发「服务队」看看。"
        ) from None
    left = balance(ctx.session, community, me)
    where = f"请到{item.provider}出示兑换码" if item.provider else "请向社区出示兑换码"
    return [
        answer(
            ctx,
            f"兑换成功：{item.name}，用去 {hours_text(item.halves)}，余额 {hours_text(left)}。\n"
            f"兑换码 {done.code}，{where}。",
        )
    ]
