"""A reply quoting one of the bot's messages about a ticket ("「…T12…」 - - - - 马上到").

WeChat hands a quoted reply over as the quoted message in 「」, a dashed line, then the reply
(one line once the text is normalised). The quoted words are someone else's: later handlers
see only the reply. When the quote names one ticket:

- a command without a ticket number acts on it (quote the alarm, type 「到场」);
- any other reply from a responder answers an urgent ticket's alarm: the ladder stops for
  everyone and the sender, who now holds the ticket, is asked for 到场;
- anything else is about that ticket, not a new report: it is answered as 「查询 T12」.
"""

from __future__ import annotations

import re

from handlers.commands.base import RESPONDERS, Refusal, find_ticket
from handlers.commands.parser import ticket_ref, with_ticket
from handlers.commands.tickets import answer_alarm, assign_if_free
from handlers.context import Context
from handlers.events import Reply
from handlers.replies import answer
from handlers.routing import tell_reporters
from handlers.vocabulary import OPEN_STATES

# The bot's own messages hold 「」 too (「到场 T12」): the quote ends at the 」 before the dashes.
_QUOTED_REPLY = re.compile(r"^「(?P<quoted>.*)」\s*(?:-\s*){5,}(?P<reply>.*)$")
_TICKET = re.compile(r"[Tt]\s*(\d{1,9})(?!\d)")


class QuoteHandler:
    """Reads a quoted reply: fills the quoted ticket into a command, or answers the alarm."""

    name = "quotes"

    def handle(self, ctx: Context) -> list[Reply] | None:
        """Answer the alarm, or pass the reply on (with the ticket filled into a command)."""
        if ctx.event.kind != "text" or (ctx.group is None and not ctx.event.is_private):
            return None  # an unbound group: not ours to read
        m = _QUOTED_REPLY.match(ctx.text)
        if m is None or not m["reply"].strip():
            return None
        ctx.text = m["reply"].strip()
        numbers = {int(n) for n in _TICKET.findall(m["quoted"])}
        if len(numbers) != 1:
            return None
        [number] = numbers
        if (command := with_ticket(ctx.text, number)) is not None:
            ctx.text = command
            return None
        if ctx.role in RESPONDERS and (replies := _answer_alarm(ctx, number)) is not None:
            return replies
        # Words about a ticket, not a new report: the person hears where it stands.
        ctx.text = f"查询 {ticket_ref(number)}"
        return None


def _answer_alarm(ctx: Context, number: int) -> list[Reply] | None:
    """A responder's reply to an urgent ticket's alarm that nobody has answered yet."""
    try:
        ticket = find_ticket(ctx, number)
    except Refusal:
        return None
    if ticket.state not in OPEN_STATES or ticket.acknowledged_at is not None:
        return None
    if not answer_alarm(ctx, ticket):
        return None
    assign_if_free(ctx, ticket)
    ctx.record(ticket, "answer", note=ctx.text[:200])
    name = ctx.event.sender_name
    holder = ticket.assignee_name or name
    mine = (
        f"收到，群里的急事提醒已停止，{ticket_ref(ticket.id)} 由{holder}跟进。"
        f"到了现场请回复「到场 {ticket_ref(ticket.id)}」。"
    )
    told = f"{ticket_ref(ticket.id)}：{name}已回应，正在处理。"
    return [answer(ctx, mine), *tell_reporters(ctx, ticket, told, mention=False)]
