"""Help: the answer to private messages and to messages the bot cannot read."""

from __future__ import annotations

from handlers.context import Context
from handlers.events import Reply
from handlers.replies import answer

PRIVATE_HELP = (
    "您好，我是{bot}。报事请在网格群里直接说问题和位置，"
    "或在这里发：报事 3栋2单元门口的路灯坏了。急事请先打 110/119/120。"
)
NON_TEXT_HINT = "我只能看懂文字。报事请用文字写清问题和位置，例如：3栋2单元门口的路灯坏了"


class HelpHandler:
    """Answers private messages and non-text messages addressed to the bot with a usage hint."""

    name = "help"

    def handle(self, ctx: Context) -> list[Reply] | None:
        """Reply with how to use the bot, when the message is private or not text."""
        ev = ctx.event
        if ev.kind != "text":
            return [answer(ctx, NON_TEXT_HINT)] if ev.is_private or ev.is_to_bot else []
        if ev.is_private:
            if not ctx.text.strip():
                return []
            return [answer(ctx, PRIVATE_HELP.format(bot=ctx.services.bot_name))]
        return None
