"""Intake: a report in a bound group becomes a classified ticket with its first event."""

from __future__ import annotations

import re

from handlers.context import Context
from handlers.events import Reply
from handlers.replies import answer
from handlers.understanding.types import Classification
from handlers.vocabulary import (
    CATEGORY_LABELS,
    CLASS_LABELS,
    ROLE_LABELS,
    ROUTE_BY_CLASS,
    ROUTE_LABELS,
)
from storage.models import Ticket
from storage.tickets import create_ticket

# 报事 may be followed by a colon or a space, half- or full-width (normalised to half-width).
_EXPLICIT = re.compile(r"^\s*报事\s*[:：,，]?\s*")

USAGE = "报事请写清问题和位置，例如：报事 3栋2单元门口的路灯坏了"
UNBOUND = "本群还没有绑定社区，我暂时不登记报事。请社区书记联系管理员把本群加入配置。"

_NEXT_STEP = {
    "online": "小事线上议：请{party}在群里认领处理，办好后回复结果。",
    "onsite": "急事现场议：请{party}和网格长马上到现场处置。有危险请先打 110/119/120。",
    "hall": "难事会场议：列入下次议事厅会议议程，多方一起商量解决。",
}


class IntakeHandler:
    """Turns reports in bound groups into tickets; stays silent on chatter."""

    name = "intake"

    def handle(self, ctx: Context) -> list[Reply] | None:
        """File a ticket when the message is a report (or an explicit 报事)."""
        ev = ctx.event
        if ev.is_private or ev.kind != "text":
            return None
        explicit = _EXPLICIT.match(ctx.text)
        text = ctx.text[explicit.end() :] if explicit else ctx.text
        if ctx.group is None:
            # An unbound group is not ours to speak in, unless someone asks the bot directly.
            return [answer(ctx, UNBOUND)] if ev.is_to_bot or explicit else []
        if not text.strip():
            return [answer(ctx, USAGE)] if explicit or ev.is_to_bot else []
        found = ctx.services.nlp.classify(text)
        if not found.is_report and not explicit:
            return [answer(ctx, "没看出要报的问题。" + USAGE)] if ev.is_to_bot else []
        ticket = self._file(ctx, text, found, on_request=bool(explicit) and not found.is_report)
        return [answer(ctx, card(ticket, truncated=ctx.truncated))]

    def _file(self, ctx: Context, text: str, found: Classification, *, on_request: bool) -> Ticket:
        ev, group = ctx.event, ctx.group
        assert group is not None
        klass = found.klass if found.is_report else "small"
        category = found.category if found.is_report else "other"
        route = ROUTE_BY_CLASS[klass] or "online"
        cues = found.cues if found.is_report else ("按要求登记", *found.cues)
        grid = group.grid or (ctx.member.grid if ctx.member else None)
        ticket = Ticket(
            community_code=group.community_code,
            grid=grid,
            room_id=ev.room_id,
            reporter_id=ev.sender_id,
            reporter_name=ev.sender_name,
            text=text,
            klass=klass,
            category=category,
            route=route,
            location=found.location.label(),
            responsible=found.responsible or "property",
            cues="|".join(cues)[:1000],
            filed_on_request=on_request,
            created_at=ctx.now,
            updated_at=ctx.now,
            source_msg_id=_source_key(ctx),
        )
        return create_ticket(
            ctx.session, ticket, actor_id=ev.sender_id, actor_name=ev.sender_name, note=text
        )


def _source_key(ctx: Context) -> str:
    """Message ids are unique per channel, so the room keeps two channels' ids apart."""
    return f"{ctx.event.room_id}:{ctx.event.msg_id}"[:200]


def card(ticket: Ticket, *, truncated: bool = False) -> str:
    """The short reply that tells the reporter what was filed and what happens next."""
    party = ROLE_LABELS.get(ticket.responsible or "", "相关方")
    head = f"已登记 T{ticket.id}（{CLASS_LABELS[ticket.klass]}·{ROUTE_LABELS[ticket.route]}）"
    if ticket.filed_on_request:
        head += "，按您的要求登记"
    lines = [
        head,
        f"类别：{CATEGORY_LABELS.get(ticket.category, '其他')}",
        f"位置：{ticket.location or '未写明，请补充楼栋、单元或地点'}",
        _NEXT_STEP[ticket.route].format(party=party),
    ]
    cues = [c for c in ticket.cues.split("|") if c][:3]
    if cues:
        lines.append("依据：" + "、".join(cues))
    if truncated:
        lines.append(f"内容太长，只登记了前 {len(ticket.text)} 个字。")
    return "\n".join(lines)
