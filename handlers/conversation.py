"""The turns people take without command words: a bare rating, a question about a ticket.

「基本满意」 after the bot asked for a rating rates the one ticket waiting for it; 「T1怎么样了」
or 「@社区小助手 T1 修好了吗」 answers like 「查询 T1」. Anything else is passed on.
"""

from __future__ import annotations

import re

from handlers.commands import queries, tickets
from handlers.commands.base import Refusal, community_of
from handlers.commands.parser import Command, ticket_ref
from handlers.context import Context
from handlers.events import Reply
from handlers.replies import answer
from storage import ticket_queries

# A bare rating, maybe with a reason after it: 「不满意，灯还是不亮」.
_RATING = re.compile(
    r"^(非常满意|很满意|挺满意|基本满意|还算满意|不太满意|不满意|满意)"
    r"(?:$|[\s,，。.!！~～:：]+(.*)$)"
)
_RATING_WORD = {
    "非常满意": "满意",
    "很满意": "满意",
    "挺满意": "满意",
    "还算满意": "基本满意",
    "不太满意": "不满意",
}
# A ticket number in running text: T12, t12, #12 (12号 is too often a building or a date).
_TICKET = re.compile(r"(?<![A-Za-z0-9])(?:[Tt]|#|＃)\s*(\d{1,9})(?!\d)")
# What makes a line with a ticket number a question about it.
_ASKING = re.compile(
    r"怎么样|咋样|咋个样|怎样|如何|进度|进展|到哪|什么时候|啥时候|几时|多久|有人管|有没有人"
    r"|没人管|还没|了没|好了没|好没|吗|么|呢|[?？]|没$|没有$"
)
MAX_QUESTION_CHARS = 40  # a longer line with a number in it is a report or a note, not a question
MAX_TICKETS = 3


class ConversationHandler:
    """Answers bare ratings and questions about a ticket; passes everything else on."""

    name = "conversation"

    def handle(self, ctx: Context) -> list[Reply] | None:
        """A rating for the one ticket awaiting it, or the status of the tickets asked about."""
        if ctx.event.kind != "text" or (ctx.group is None and not ctx.event.is_private):
            return None
        text = ctx.text.strip()
        if m := _RATING.match(text):
            return _rate(ctx, _RATING_WORD.get(m[1], m[1]), (m[2] or "").strip())
        numbers = list(dict.fromkeys(int(n) for n in _TICKET.findall(text)))
        asked = ctx.event.is_to_bot or ctx.event.is_private or _ASKING.search(text)
        if numbers and asked and len(text) <= MAX_QUESTION_CHARS:
            return _status(ctx, numbers[:MAX_TICKETS])
        return None


def _rate(ctx: Context, word: str, reason: str) -> list[Reply] | None:
    """Rate the sender's one ticket awaiting a rating; ask which when there are several."""
    try:
        community = community_of(ctx)
    except Refusal:
        return None  # a stranger in private: nothing of theirs to rate
    me = ctx.event.sender_id
    waiting = ticket_queries.resolved_for_rating(ctx.session, community, me)
    if not waiting:
        return None  # 「满意」 about something else: ordinary talk
    if len(waiting) > 1:
        refs = "、".join(ticket_ref(n) for n in waiting[:5])
        return [
            answer(
                ctx,
                f"您有 {len(waiting)} 件事等您评价：{refs}。"
                f"请写上工单号，例如：评价 {ticket_ref(waiting[0])} {word}",
            )
        ]
    first = waiting[0]
    if first is None:  # a stored ticket always has its number
        return None
    cmd = Command("rate", "评价", (first,), f"{word} {reason}".strip())
    try:
        return tickets.rate(ctx, cmd)
    except Refusal as refusal:
        ctx.session.rollback()
        return [answer(ctx, str(refusal))]


def _status(ctx: Context, numbers: list[int]) -> list[Reply]:
    """One status answer per ticket asked about, as 「查询 T12」 gives it."""
    lines = []
    for number in numbers:
        try:
            lines.append(queries.status(ctx, number))
        except Refusal as refusal:
            lines.append(str(refusal))
    return [answer(ctx, "\n".join(lines))]
