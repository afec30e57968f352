"""Ticket actions from the chat: claim, arrive, progress, resolve, reject, reopen, rate."""

from __future__ import annotations

from handlers.commands.base import Refusal, one_ticket
from handlers.commands.parser import Command, ticket_ref
from handlers.context import Context
from handlers.events import Reply
from handlers.replies import answer
from handlers.routing import reporter_rooms, tell_parties, tell_reporters
from handlers.vocabulary import OPEN_STATES, STATE_LABELS
from storage.models import Ticket

RATINGS = {"满意": "satisfied", "基本满意": "mostly", "不满意": "unsatisfied"}
REOPEN = "重办 T12 居民说灯又不亮了"
REOPENABLE = ("resolved", "closed", "rejected")


def require_open(ticket: Ticket) -> None:
    """Refuse to act on a ticket that is finished, merged or rejected."""
    if ticket.state not in OPEN_STATES:
        extra = f"（已并入 {ticket_ref(ticket.merged_into)}）" if ticket.merged_into else ""
        raise Refusal(f"{ticket_ref(ticket.id)} {STATE_LABELS[ticket.state]}{extra}，不能再操作。")


def assign_if_free(ctx: Context, ticket: Ticket) -> None:
    """The sender holds the ticket from now on, unless somebody already does."""
    if not ticket.assignee_id:
        ticket.assignee_id = ctx.event.sender_id
        ticket.assignee_name = ctx.event.sender_name


def open_ticket(ctx: Context, cmd: Command, example: str, *, needs: str = "") -> Ticket:
    """The command's ticket, refused unless open; with ``needs``, words after it are required.

    ``example`` is the command as typed (with T12); a missing text is asked for with it.
    """
    ticket = one_ticket(ctx, cmd, example)
    require_open(ticket)
    if needs and not cmd.rest:
        raise Refusal(f"请写上{needs}，例如：{example.replace('T12', ticket_ref(ticket.id), 1)}")
    return ticket


def take_on(ctx: Context, ticket: Ticket, kind: str) -> None:
    """The sender takes the ticket on (``kind``: claim, arrive): held, alarm answered, accepted."""
    assign_if_free(ctx, ticket)
    answer_alarm(ctx, ticket)
    to_state = "accepted" if ticket.state in ("reported", "reopened") else None
    ctx.record(ticket, kind, to_state)


def answer_alarm(ctx: Context, ticket: Ticket) -> bool:
    """A responder answered: an urgent ticket's alarm ladder stops for everyone (the holder
    is nudged for 到场 instead). True when this was the first answer to the alarm."""
    if ticket.klass != "urgent" or ticket.answered_at is not None:
        return False
    ticket.answered_at = ctx.now
    return ticket.acknowledged_at is None


def claim(ctx: Context, cmd: Command) -> list[Reply]:
    """认领/受理 T12: the sender takes the ticket; only one person can hold it."""
    ticket = open_ticket(ctx, cmd, "认领 T12")
    me = ctx.event.sender_id
    if ticket.assignee_id == me:
        return [
            answer(
                ctx,
                (
                    f"您已经认领了 {ticket_ref(ticket.id)}"
                    f"，办好后回复「办结 {ticket_ref(ticket.id)} 结果」。"
                ),
            )
        ]
    if ticket.assignee_id:
        return [
            answer(ctx, f"{ticket_ref(ticket.id)} 已由{ticket.assignee_name}认领，不用重复认领。")
        ]
    take_on(ctx, ticket, "claim")
    name = ctx.event.sender_name
    text = f"{ticket_ref(ticket.id)} 已由{name}认领，正在处理。"
    if ticket.klass == "urgent" and ticket.acknowledged_at is None:
        # 认领 is not 到场: the holder is asked for it (and gently reminded), nobody else.
        mine = (
            f"好的，{ticket_ref(ticket.id)} 由您负责，群里的急事提醒已停止。"
            f"这是急事，请马上到场，到了回复「到场 {ticket_ref(ticket.id)}」。"
        )
    else:
        mine = (
            f"好的，{ticket_ref(ticket.id)}"
            f" 由您负责。办好后回复「办结 {ticket_ref(ticket.id)} 结果」。"
        )
    return [answer(ctx, mine), *tell_reporters(ctx, ticket, text, mention=False)]


def arrive(ctx: Context, cmd: Command) -> list[Reply]:
    """到场/收到 T12: someone acknowledges an urgent ticket and is on the way or there."""
    ticket = open_ticket(ctx, cmd, "到场 T12")
    first = ticket.acknowledged_at is None
    if first:
        ticket.acknowledged_at = ctx.now
    take_on(ctx, ticket, "arrive")
    name = ctx.event.sender_name
    text = f"{ticket_ref(ticket.id)}：{name}已回复到场，正在赶来处理。"
    replies = [
        answer(
            ctx,
            (
                f"收到，{name}负责 {ticket_ref(ticket.id)}"
                f" 现场处置。处理完请回复「办结 {ticket_ref(ticket.id)} 结果」。"
            ),
        )
    ]
    replies += tell_reporters(ctx, ticket, text, mention=first)
    replies += tell_parties(ctx, ticket, text, ())
    return replies


def progress(ctx: Context, cmd: Command) -> list[Reply]:
    """进展 T12 <text>: a progress note; the reporter's group hears of it."""
    ticket = open_ticket(ctx, cmd, "进展 T12 已联系电工，明天上门", needs="进展")
    assign_if_free(ctx, ticket)
    stopped = answer_alarm(ctx, ticket)
    ctx.record(ticket, "progress", "in_progress", cmd.rest)
    text = f"{ticket_ref(ticket.id)} 进展：{cmd.rest}（{ctx.event.sender_name}）"
    mine = f"已记下 {ticket_ref(ticket.id)} 的进展。"
    if stopped:
        mine += f"群里的急事提醒已停止；到了现场请回复「到场 {ticket_ref(ticket.id)}」。"
    return [answer(ctx, mine), *tell_reporters(ctx, ticket, text, mention=False)]


def resolve(ctx: Context, cmd: Command) -> list[Reply]:
    """办结 T12 <result>: resolved; every reporter is @-mentioned and asked to rate."""
    ticket = open_ticket(ctx, cmd, "办结 T12 已更换灯泡", needs="处理结果")
    assign_if_free(ctx, ticket)
    ticket.resolved_at = ctx.now
    ctx.record(ticket, "resolve", "resolved", cmd.rest)
    text = (
        f"您反映的 {ticket_ref(ticket.id)} 已办结：{cmd.rest}（{ctx.event.sender_name}）\n"
        f"请评价：回复「满意」「基本满意」或「不满意」。"
    )
    replies = [answer(ctx, f"{ticket_ref(ticket.id)} 已办结，已通知反映人。")]
    return replies + tell_reporters(ctx, ticket, text, mention=True)


def reject(ctx: Context, cmd: Command) -> list[Reply]:
    """驳回 T12 <reason>: not taken on, with the reason told to the reporter."""
    ticket = open_ticket(ctx, cmd, "驳回 T12 不属于社区管理范围", needs="驳回原因")
    ctx.record(ticket, "reject", "rejected", cmd.rest)
    text = f"{ticket_ref(ticket.id)} 未受理，原因：{cmd.rest}。如有疑问请联系社区居委。"
    return [
        answer(ctx, f"{ticket_ref(ticket.id)} 已驳回，已告知反映人。"),
        *tell_reporters(ctx, ticket, text, mention=True),
    ]


def reopen(ctx: Context, cmd: Command) -> list[Reply]:
    """重办 T12 <reason>: a resolved, closed or rejected ticket is taken up again."""
    ticket = one_ticket(ctx, cmd, REOPEN)
    if ticket.state == "merged":
        main = f"T{ticket.merged_into}"
        raise Refusal(f"T{ticket.id} 已并入 {main}，要重办请发「重办 {main} 原因」。")
    if ticket.state not in REOPENABLE:
        raise Refusal(
            f"T{ticket.id} {STATE_LABELS[ticket.state]}，还没有结束，不用重办。"
            f"可以发「进展 T{ticket.id} 内容」记下进展。"
        )
    if not cmd.rest:
        raise Refusal(f"请写上重办原因，例如：重办 T{ticket.id} 居民说灯又不亮了")
    ticket.resolved_at = None
    ticket.rating = None  # the old rating stays in the history; a new one comes after 办结
    ctx.record(ticket, "reopen", "reopened", cmd.rest)
    text = f"T{ticket.id} 已重新办理，原因：{cmd.rest}（{ctx.event.sender_name}）"
    party = (ticket.assignee_id,) if ticket.assignee_id else ()
    return [
        answer(ctx, f"T{ticket.id} 已重新办理，已通知反映人和负责方。"),
        *tell_reporters(ctx, ticket, text, mention=False),
        *tell_parties(ctx, ticket, f"{text}，请跟进。", party),
    ]


def rate(ctx: Context, cmd: Command) -> list[Reply]:
    """评价 T12 满意|基本满意|不满意 [reason]: the reporter rates a resolved ticket."""
    ticket = one_ticket(ctx, cmd, "评价 T12 满意")
    words = cmd.rest.split(maxsplit=1)
    rating = RATINGS.get(words[0]) if words else None
    if rating is None:
        raise Refusal(f"请这样评价：评价 {ticket_ref(ticket.id)} 满意（或 基本满意、不满意）")
    if not _is_reporter(ctx, ticket):
        raise Refusal(f"只有反映 {ticket_ref(ticket.id)} 的居民可以评价它。")
    if ticket.state != "resolved":
        raise Refusal(
            f"{ticket_ref(ticket.id)} 现在{STATE_LABELS[ticket.state]}，办结以后才能评价。"
        )
    reason = words[1] if len(words) > 1 else ""
    ticket.rating = rating
    if rating != "unsatisfied":
        ctx.record(ticket, "rate", "closed", words[0])
        return [answer(ctx, f"谢谢您的评价！{ticket_ref(ticket.id)} 已结案。")]
    ticket.resolved_at = None
    ctx.record(ticket, "rate", "reopened", f"不满意：{reason}".rstrip("："))
    party = (ticket.assignee_id,) if ticket.assignee_id else ()
    note = (
        f"{ticket_ref(ticket.id)}"
        f" 居民评价不满意{('：' + reason) if reason else ''}，已重新办理，请跟进。"
    )
    return [
        answer(ctx, f"收到，{ticket_ref(ticket.id)} 已重新办理，我们会继续跟进。"),
        *tell_parties(ctx, ticket, note, party),
    ]


def _is_reporter(ctx: Context, ticket: Ticket) -> bool:
    me = ctx.event.sender_id
    return any(me in ids for ids in reporter_rooms(ctx.session, ticket).values())
