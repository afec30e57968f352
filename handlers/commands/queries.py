"""Queries: 查询 by keyword or number, 我的工单, 统计 — never showing who reported or phones."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from handlers.commands.base import Refusal, community_of, find_ticket
from handlers.commands.parser import Command, ticket_ref
from handlers.context import Context
from handlers.events import Reply
from handlers.followups.overdue import overdue_where
from handlers.policy import when
from handlers.privacy import mask
from handlers.replies import answer
from handlers.routing import party_label
from handlers.vocabulary import CLASS_LABELS, OPEN_STATES, STATE_LABELS
from storage import ticket_queries
from storage.models import Ticket
from storage.search import search_tickets

MAX_RESULTS = 5
SNIPPET_CHARS = 18
MAX_KEYWORD_CHARS = 50


def next_step(ticket: Ticket) -> str:
    """What happens next for a ticket, in a few words (an urgent one waits for 到场)."""
    party = party_label(ticket)
    if ticket.klass == "urgent" and ticket.acknowledged_at is None and ticket.state in OPEN_STATES:
        return f"等{party}到场"
    return {
        "reported": f"等{party}认领",
        "accepted": f"{party}处理中",
        "in_progress": f"{party}处理中",
        "reopened": f"{party}重新处理",
        "resolved": "请反映人评价",
        "closed": "已结束",
        "merged": f"看 {ticket_ref(ticket.merged_into)}",
        "rejected": "已结束",
    }.get(ticket.state, "")


def summary_line(ctx: Context, ticket: Ticket) -> str:
    """One line per ticket: number, short text, state, last update, next step."""
    text = mask(ticket.text)
    if len(text) > SNIPPET_CHARS:
        text = text[:SNIPPET_CHARS] + "…"
    updated = _day(ticket.updated_at, ctx.now)
    return (
        f"{ticket_ref(ticket.id)} {text}｜{STATE_LABELS[ticket.state]}"
        f"｜{updated}更新｜{next_step(ticket)}"
    )


def _day(dt: datetime, now: datetime) -> str:
    local = dt.astimezone(now.tzinfo)
    return f"{local.month}月{local.day}日"


def query(ctx: Context, cmd: Command) -> list[Reply]:
    """查询 <keyword or number>: at most five tickets of the asker's community, newest first."""
    if cmd.tickets:
        if len(cmd.tickets) > 1:
            raise Refusal("一次查一个工单号，例如：查询 T12")
        return [answer(ctx, status(ctx, cmd.tickets[0]))]
    keyword = cmd.rest.strip()[:MAX_KEYWORD_CHARS]
    tokens = ctx.services.nlp.tokenize(keyword) if keyword else []
    if not tokens:
        raise Refusal("请写要查的词或工单号，例如：查询 路灯，或 查询 T12")
    found = search_tickets(ctx.session, community_of(ctx), tokens, limit=MAX_RESULTS)
    if not found:
        return [answer(ctx, f"没有找到和“{keyword}”有关的工单。换个词试试，例如：查询 路灯")]
    head = f"和“{keyword}”有关的工单（最新 {len(found)} 条）："
    return [answer(ctx, "\n".join([head, *(summary_line(ctx, t) for t in found)]))]


def status(ctx: Context, number: int) -> str:
    """Where ticket ``number`` stands: summary, deadline, how many reported it."""
    ticket = find_ticket(ctx, number, lock=False)
    lines = [summary_line(ctx, ticket)]
    if ticket.due_at and ticket.state in OPEN_STATES:
        lines.append(f"期限：{when(ticket.due_at, ctx.now.tzinfo)}")
    if ticket.plus_ones:
        lines.append(f"共 {ticket.plus_ones + 1} 人反映")
    return "\n".join(lines)


def mine(ctx: Context, cmd: Command) -> list[Reply]:
    """我的工单: tickets the sender reported, joined (+1) or is handling, newest first."""
    community, me = community_of(ctx), ctx.event.sender_id
    found = ticket_queries.tickets_of_person(ctx.session, community, me, MAX_RESULTS)
    if not found:
        return [answer(ctx, "您还没有工单。报事请直接在网格群里说问题和位置。")]
    return [
        answer(ctx, "\n".join(["您的工单（最新 5 条）：", *(summary_line(ctx, t) for t in found)]))
    ]


def stats(ctx: Context, cmd: Command) -> list[Reply]:
    """统计: the community's tickets by state and class, and how many are overdue."""
    community = community_of(ctx)
    rows = ticket_queries.counts_by_state_and_class(ctx.session, community)
    by_state: Counter[str] = Counter()
    open_by_class: Counter[str] = Counter()
    for state, klass, n in rows:
        by_state[state] += n
        if state in OPEN_STATES:
            open_by_class[klass] += n
    late = overdue_where(ctx.session.get_bind().dialect.name, ctx.now)
    overdue = ticket_queries.count_where(ctx.session, community, late)
    total = sum(by_state.values())
    open_total = sum(open_by_class.values())
    classes = "、".join(
        f"{CLASS_LABELS[k]} {open_by_class[k]}" for k in ("urgent", "small", "difficult")
    )
    lines = [
        f"本社区共 {total} 件工单。",
        f"未办结 {open_total} 件（{classes}），其中超期 {overdue} 件。",
        f"已办结 {by_state['resolved']} 件，已结案 {by_state['closed']} 件，"
        f"合并 {by_state['merged']} 件，驳回 {by_state['rejected']} 件。",
    ]
    return [answer(ctx, "\n".join(lines))]
