"""服务单: a report that fits a team is offered to its members, next to the six-party route."""

from __future__ import annotations

from handlers.commands.parser import ticket_ref
from handlers.context import Context
from handlers.events import Reply
from handlers.privacy import mask
from handlers.replies import answer
from handlers.teams.matching import team_for
from storage.checks import saved_id
from storage.models import Ticket
from storage.volunteers.models import ServiceOrder
from storage.volunteers.teams import member_contacts, team_choices


def offer_to_team(ctx: Context, ticket: Ticket) -> list[Reply]:
    """Open a 服务单 for the ticket when a team takes such matters, and tell its members.

    The offer goes to the whole team, so its text is masked (phones, flat numbers); whoever
    takes it is given the full text and the reporter's name.
    """
    ticket_id = saved_id(ticket)
    if ticket.klass == "urgent":  # team_for keeps it with the on-site route: no need to ask
        return []
    # Plain values, not table rows: every new ticket asks, and each attribute read of a row
    # goes through the ORM's instrumentation.
    team = team_for(ticket, team_choices(ctx.session, ticket.community_code))
    if team is None:
        return []
    reporter_id = ticket.reporter_id
    people = [c for c in member_contacts(ctx.session, team.id) if c != reporter_id]
    if not people:
        return []
    ctx.session.add(
        ServiceOrder(
            ticket_id=ticket_id,
            community_code=ticket.community_code,
            team_id=team.id,
            offered_at=ctx.now,
        )
    )
    ctx.record(ticket, "service", note=f"服务单派给{team.name}")
    where = f"\n位置：{mask(ticket.location)}" if ticket.location else ""
    offer = (
        f"【服务单】{ticket_ref(ticket_id)}（{team.name}）\n{mask(ticket.text)}{where}\n"
        f"能去帮忙的请回复「接单 {ticket_ref(ticket_id)}」，"
        f"服务完发「服务 {ticket_ref(ticket_id)} 1小时 做了什么」。"
    )
    replies = [Reply(text=offer, to_id=contact_id) for contact_id in people]
    replies.append(
        answer(ctx, f"{ticket_ref(ticket_id)} 也派给了{team.name}的志愿者，有人接单会告诉您。")
    )
    return replies
