"""The ticket page of the dashboard (``/tickets/{id}``): every field, the whole history, the
other reports of the same problem (+1) and the count of photos.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiohttp import web
from sqlmodel import Session, col, func, select

from bot.web.auth import can_see, current_user
from bot.web.dashboard_query import READER, is_overdue
from bot.web.dashboard_render import render
from bot.web.server import WEB
from handlers.commands.queries import next_step
from storage.models import Meeting, Ticket, TicketEvent, TicketEvidence, TicketReport

EVENT_LABELS = {
    "reported": "报事",
    "claim": "认领",
    "arrive": "到场",
    "progress": "进展",
    "resolve": "办结",
    "reject": "驳回",
    "rate": "评价",
    "plus_one": "+1 反映",
    "merge": "合并",
    "transfer": "转交",
    "reclass": "改类",
    "reclass_request": "改类申请",
    "answer": "回应急事",
    "evidence": "照片/视频",
    "agenda": "列入议程",
    "resolution": "议事决议",
    "visit": "回访",
    "autoclose": "自动结案",
    "service": "服务单",
}


@dataclass(slots=True)
class TicketView:
    """Everything the ticket page shows."""

    ticket: Ticket
    events: list[TicketEvent]
    reports: list[TicketReport]
    evidence: int
    meeting: Meeting | None


def _load_ticket(session: Session, ticket_id: int) -> TicketView | None:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        return None
    events = session.exec(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket_id)
        .order_by(col(TicketEvent.at), col(TicketEvent.id))
    ).all()
    reports = session.exec(
        select(TicketReport)
        .where(TicketReport.ticket_id == ticket_id)
        .order_by(col(TicketReport.at), col(TicketReport.id))
    ).all()
    evidence = session.exec(
        select(func.count())
        .select_from(TicketEvidence)
        .where(TicketEvidence.ticket_id == ticket_id)
    ).one()
    meeting = session.get(Meeting, ticket.meeting_id) if ticket.meeting_id else None
    return TicketView(ticket, list(events), list(reports), evidence, meeting)


async def ticket_page(request: web.Request) -> web.StreamResponse:
    """GET /tickets/{id}: the ticket and its whole history.

    Another community's ticket answers exactly as a missing one (404), so its existence is
    not revealed.
    """
    user = current_user(request)
    reader = request.app[READER]
    ticket_id = int(request.match_info["id"])

    def load() -> TicketView | None:
        with reader.session() as session:
            return _load_ticket(session, ticket_id)

    view = await asyncio.to_thread(load)
    if view is None or not can_see(user, view.ticket.community_code):
        return render(request, "not_found.html", {}, status=404)
    t = view.ticket
    names = {c.code: c.name for c in request.app[WEB].settings.communities}
    return render(
        request,
        "ticket.html",
        {
            "t": t,
            "overdue": is_overdue(t, request.app[WEB].clock(), request.app[WEB].services.policy),
            "next_step": next_step(t),
            "community_name": names.get(t.community_code, t.community_code),
            "events": view.events,
            "reports": view.reports,
            "evidence": view.evidence,
            "meeting": view.meeting,
            "EVENT_LABELS": EVENT_LABELS,
            # The community's own six parties act on the ticket and see it whole; a district
            # account supervises every community and sees it through the privacy policy.
            "full": user.community != "*",
        },
    )
