"""Builders for the bot's replies, so every handler answers in the same short, plain way."""

from __future__ import annotations

from handlers.context import Context
from handlers.events import Reply

REPORT_USAGE = "报事请写清问题和位置，例如：报事 3栋2单元门口的路灯坏了"


def answer(ctx: Context, text: str, *, mention_sender: bool = True) -> Reply:
    """A reply where the message came from: @ the sender in a group, privately otherwise."""
    ev = ctx.event
    if ev.is_private:
        return Reply(text=text, to_id=ev.sender_id)
    mentions = (ev.sender_id,) if mention_sender else ()
    return Reply(text=text, room_id=ev.room_id, mention_ids=mentions)
