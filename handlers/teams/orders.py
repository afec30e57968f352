"""接单, 服务, 确认: a volunteer takes a 服务单, reports the hours, and someone confirms them.

Only confirmed hours reach the ledger: 服务 records what the volunteer says, 确认 (by the
person helped or one of the six parties, never the volunteer) banks it.
"""

from __future__ import annotations

from handlers.commands.base import Refusal, one_ticket
from handlers.commands.parser import Command, ticket_ref
from handlers.context import Context
from handlers.events import Reply
from handlers.replies import answer
from handlers.teams.hours import MAX_SERVICE_HALVES, HoursError, find_hours, hours_text
from handlers.vocabulary import SIX_PARTIES
from storage.checks import saved_id
from storage.models import Ticket
from storage.volunteers.ledger import Movement, open_account, post
from storage.volunteers.models import ServiceOrder, Team
from storage.volunteers.teams import is_member, order_for_update

TAKE = "接单 T12"
SERVE = "服务 T12 1.5小时 帮王奶奶代办老年卡"
CONFIRM = "确认 T12"


def _order(ctx: Context, cmd: Command, example: str) -> tuple[Ticket, ServiceOrder, Team]:
    ticket = one_ticket(ctx, cmd, example)
    order = order_for_update(ctx.session, ticket.id)
    if order is None:
        raise Refusal(f"{ticket_ref(ticket.id)} 不是服务单。发「服务队」看各服务队接哪些事。")
    team = ctx.session.get(Team, order.team_id)
    if team is None:  # teams are never deleted, only re-seeded
        raise LookupError(f"service order {order.id} names a missing team {order.team_id}")
    return ticket, order, team


def take(ctx: Context, cmd: Command) -> list[Reply]:
    """接单: a member of the team the order was offered to takes it."""
    ticket, order, team = _order(ctx, cmd, TAKE)
    me = ctx.event.sender_id
    if order.state != "offered":
        who = "您" if order.volunteer_id == me else order.volunteer_name
        raise Refusal(f"{ticket_ref(ticket.id)} 已由{who}接单了，谢谢您。")
    team_id = saved_id(team)
    if not is_member(ctx.session, team_id, me):
        raise Refusal(
            f"{ticket_ref(ticket.id)} 是{team.name}"
            f"的服务单，您还不是这个队的队员。发「服务队」看怎么加入。"
        )
    order.state, order.taken_at = "taken", ctx.now
    order.volunteer_id, order.volunteer_name = me, ctx.event.sender_name
    ctx.session.add(order)
    ctx.record(ticket, "service", note=f"{ctx.event.sender_name}接单（{team.name}）")
    replies = [
        answer(
            ctx,
            f"接单成功：{ticket_ref(ticket.id)}。{ticket.text}\n报事人：{ticket.reporter_name}\n"
            f"服务完请发「服务 {ticket_ref(ticket.id)} 几小时 做了什么」，"
            f"例如：服务 {ticket_ref(ticket.id)} 1小时 代买菜",
        )
    ]
    if ticket.reporter_id != me:
        replies.append(
            Reply(
                text=f"{team.name}的{ctx.event.sender_name}接了您的事 {ticket_ref(ticket.id)}，"
                "会尽快来帮您。",
                to_id=ticket.reporter_id,
            )
        )
    return replies


def serve(ctx: Context, cmd: Command) -> list[Reply]:
    """服务: whoever took the order says how long it took and what they did."""
    ticket, order, _team = _order(ctx, cmd, SERVE)
    if order.volunteer_id != ctx.event.sender_id:
        if order.state == "offered":
            raise Refusal(
                f"{ticket_ref(ticket.id)} 还没人接单，请先发「接单 {ticket_ref(ticket.id)}」。"
            )
        raise Refusal(
            f"{ticket_ref(ticket.id)} 是{order.volunteer_name}接的单，由接单的人报服务时长。"
        )
    if order.state == "confirmed":
        raise Refusal(
            f"{ticket_ref(ticket.id)} 的服务已确认，时长不能再改。有误请找社区书记更正。"
        )
    try:
        halves, note = find_hours(cmd.rest)
    except HoursError as exc:
        raise Refusal(f"{exc}。例如：{SERVE.replace('T12', ticket_ref(ticket.id))}") from None
    if not 0 < halves <= MAX_SERVICE_HALVES:
        raise Refusal(f"一次服务按 0.5 到 {MAX_SERVICE_HALVES // 2} 小时记，请核对时长。")
    if not note:
        raise Refusal(f"请写上做了什么，例如：{SERVE.replace('T12', ticket_ref(ticket.id))}")
    order.state, order.served_at, order.halves, order.note = "served", ctx.now, halves, note
    ctx.session.add(order)
    ctx.record(ticket, "service", note=f"服务 {hours_text(halves)}：{note}")
    replies = [
        answer(
            ctx,
            f"已记下 {ticket_ref(ticket.id)} 服务 {hours_text(halves)}：{note}。"
            "等被服务的居民或社区确认后，时长存入您的时间账户。",
        )
    ]
    if ticket.reporter_id != ctx.event.sender_id:
        replies.append(
            Reply(
                text=f"{order.volunteer_name}说已为您服务 {hours_text(halves)}：{note}。"
                f"属实请回复「确认 {ticket_ref(ticket.id)}」。",
                to_id=ticket.reporter_id,
            )
        )
    return replies


def confirm(ctx: Context, cmd: Command) -> list[Reply]:
    """确认: the person helped, or one of the six parties, banks the reported hours."""
    ticket, order, team = _order(ctx, cmd, CONFIRM)
    me = ctx.event.sender_id
    if order.state == "confirmed":
        raise Refusal(f"{ticket_ref(ticket.id)} 的服务已经确认过了，谢谢。")
    if order.state != "served":
        raise Refusal(
            f"{ticket_ref(ticket.id)}"
            f" 还没有报服务时长，志愿者发「服务 {ticket_ref(ticket.id)} …」后再确认。"
        )
    if me == order.volunteer_id:
        raise Refusal("自己的服务不能自己确认，请被服务的居民或社区工作人员确认。")
    if me != ticket.reporter_id and ctx.role not in SIX_PARTIES:
        raise Refusal(f"{ticket_ref(ticket.id)} 的服务由报事的居民或六方成员确认。")
    if order.volunteer_id is None:  # "served" is reached through 接单, which names one
        raise Refusal(f"{ticket_ref(ticket.id)} 还没有志愿者接单，不能确认。")
    order_id = saved_id(order)
    acct = open_account(
        ctx.session, order.community_code, order.volunteer_id, order.volunteer_name or ""
    )
    ctx.session.flush()
    post(
        ctx.session,
        acct,
        Movement(
            kind="credit",
            halves=order.halves,
            reason=f"{ticket_ref(ticket.id)} {order.note}",
            actor_id=me,
            actor_name=ctx.event.sender_name,
            at=ctx.now,
            order_id=order_id,
        ),
    )
    order.state, order.confirmed_at, order.confirmed_by = (
        "confirmed",
        ctx.now,
        ctx.event.sender_name,
    )
    ctx.session.add(order)
    ctx.record(ticket, "service", note=f"确认服务 {hours_text(order.halves)}")
    hours = hours_text(order.halves)
    return [
        answer(
            ctx,
            (
                f"已确认 {ticket_ref(ticket.id)}"
                f"：{order.volunteer_name}服务 {hours}，已存入时间账户。谢谢！"
            ),
        ),
        Reply(
            text=f"{ticket_ref(ticket.id)} 的服务已确认，{hours} 存入您的时间账户（{team.name}），"
            f"现在余额 {hours_text(acct.balance)}。发「时间账户」查看。",
            to_id=order.volunteer_id,
        ),
    ]
