"""党员包保楼栋: a report at a building is passed to the party member responsible for it."""

from __future__ import annotations

import re

from handlers.commands.parser import ticket_ref
from handlers.context import Context
from handlers.events import Reply
from handlers.privacy import mask
from storage.models import Ticket
from storage.volunteers.teams import duty_contact

_BUILDING = re.compile(r"(\d{1,4})\s*(?:栋|号楼|幢|号栋)")


def building_of(text: str) -> str | None:
    """The building a place names, normalised to ``3栋`` (3号楼, 3幢 alike)."""
    m = _BUILDING.search(text)
    return f"{int(m[1])}栋" if m else None


def building_name(text: str) -> str:
    """A configured building name normalised the same way; other names are kept as written."""
    return building_of(text) or text.strip()


def notify_building(ctx: Context, ticket: Ticket) -> list[Reply]:
    """Tell the party member who looks after the ticket's building, privately."""
    building = building_of(ticket.location) or building_of(ticket.text)
    if building is None:
        return []
    duty = duty_contact(ctx.session, ticket.community_code, building)
    if duty is None or duty == ticket.reporter_id:
        return []
    text = (
        f"【包保楼栋】您包保的{building}有报事 {ticket_ref(ticket.id)}：{mask(ticket.text)}\n"
        f"请留意，方便时去看看。发「查询 {ticket_ref(ticket.id)}」看进度。"
    )
    return [Reply(text=text, to_id=duty)]
