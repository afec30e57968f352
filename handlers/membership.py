"""Group membership: the bot joining a group, new members, and a group renamed.

Channels report these as an ``Inbound`` of kind ``join`` (``mentions`` are who joined,
``is_to_bot`` says the bot was among them, ``sender_id`` is who invited them) or ``topic``
(``room_topic`` is the new name; the dispatcher already stored it, the binding is by room id).
"""

from __future__ import annotations

from handlers.context import Context
from handlers.events import Reply
from handlers.intake import UNBOUND
from storage.models import Community

INTRO = (
    "大家好，我是{bot}。在群里直接说问题和位置，我会登记成工单、转给负责方并跟进到办结；"
    "发「查询 路灯」看进度，发「帮助」看能用的命令。"
)
KIND_LABELS = {"six_party": "六方议事群", "grid": "网格群"}
WELCOME = "欢迎！报事直接在群里说问题和位置，例如“3栋2单元门口的路灯坏了”；查进度发「查询 路灯」。"


class MembershipHandler:
    """Introduces the bot in a group it joined and welcomes new members of bound groups."""

    name = "membership"

    def handle(self, ctx: Context) -> list[Reply] | None:
        """Answer a join, acknowledge a rename silently, pass everything else on."""
        ev = ctx.event
        if ev.kind == "topic":
            return []
        if ev.kind != "join" or ev.room_id is None:
            return None
        if ev.is_to_bot:
            return [Reply(text=self._intro(ctx), room_id=ev.room_id)]
        if ctx.group is None or not ev.mentions:
            return []  # an unbound group is not ours to speak in
        return [Reply(text=WELCOME, room_id=ev.room_id, mention_ids=ev.mentions)]

    @staticmethod
    def _intro(ctx: Context) -> str:
        intro = INTRO.format(bot=ctx.services.bot_name)
        group = ctx.group
        if group is None:
            return f"{intro}\n{UNBOUND}"
        community = ctx.session.get(Community, group.community_code)
        name = community.name if community else group.community_code
        kind = KIND_LABELS.get(group.kind, group.kind)
        where = f"{kind}（{group.grid}）" if group.grid else kind
        return f"{intro}\n本群已绑定为{name}的{where}。"
