"""「急」: the reporter of a 可能是急事 ticket says it is an emergency, and it is at once."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from handlers.commands.parser import Command
from handlers.commands.reroute import reclass
from handlers.context import Context
from handlers.events import Reply
from storage import ticket_queries
from storage.models import Ticket

# What a worried reporter types: 急, 急急急, 急！, 是急事, 很急, 紧急 — alone or with the ticket
# number the bot gave them (急 T12).
_URGENT_REPLY = re.compile(
    r"^\s*(?:是|很|真的|确实)?(?:急+|急事|紧急|有危险)\s*(?:[Tt#＃]\s*(\d{1,9}))?\s*[!！。.~～]*\s*$"
)
# How long after reporting a bare 急 still points at that report.
WINDOW = timedelta(hours=24)
# The reporter confirmed danger the bot could not name: the numbers that fit most dangers.
SAFETY_LINE = "如有人受伤请拨打 120；起火或有人被困请拨打 119；遇到违法侵害请拨打 110。"


class EscalateHandler:
    """Turns the reporter's 「急」 into 改为 急事 on their latest 可能是急事 ticket."""

    name = "escalate"

    def handle(self, ctx: Context) -> list[Reply] | None:
        """Escalate, or None when this is not a reporter answering the 可能是急事 question."""
        if ctx.event.kind != "text":
            return None
        said = _URGENT_REPLY.match(ctx.text)
        if said is None:
            return None
        ticket = self._pending(ctx, int(said[1]) if said[1] else None)
        if ticket is None or ticket.id is None:
            return None
        cmd = Command(verb="reclass", word="改为", tickets=(ticket.id,), rest="急事")
        replies = reclass(ctx, cmd)
        if replies and ctx.services.nlp.emergency(ticket.text) is None:
            first = replies[0]
            replies[0] = replace(first, text=f"{first.text}\n{SAFETY_LINE}")
        return replies

    def _pending(self, ctx: Context, number: int | None) -> Ticket | None:
        """The sender's newest open 可能是急事 ticket reported here in the last day."""
        ev = ctx.event
        return ticket_queries.newest_flagged(
            ctx.session,
            ev.sender_id,
            ctx.now - WINDOW,
            ("resolved", "closed", "merged", "rejected"),
            number=number,
            room_id=None if ev.is_private else ev.room_id,
        )
