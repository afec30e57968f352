"""The ticket page of the dashboard (``/tickets/{id}``): every field, the whole history with
its photos and videos, the other reports of the same problem (+1), and the forms that act on
the ticket (``POST /tickets/{id}/{action}``, see :mod:`bot.web.ticket_actions`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiohttp import web
from sqlmodel import Session, col, select

from bot.web import ticket_media
from bot.web.auth import SESSION_COOKIE, can_see, current_user
from bot.web.dashboard_query import is_overdue
from bot.web.dashboard_render import CSP, render
from bot.web.reads import READER
from bot.web.server import WEB
from bot.web.ticket_actions import (
    ACTIONS,
    CATEGORY_CHOICES,
    CLASS_CHOICES,
    DISTRICT_REFUSAL,
    PARTY_CHOICES,
    act,
    allowed,
    refusal_for_role,
)
from bot.web.ticket_timeline import Step, timeline
from handlers.commands.queries import next_step
from handlers.commands.tickets import REOPENABLE
from handlers.vocabulary import OPEN_STATES, RATING_LABELS
from storage.models import (
    FollowUp,
    Meeting,
    Member,
    Ticket,
    TicketEvent,
    TicketEvidence,
    TicketReport,
)

# The forms, in the order the page shows them: (action, button).
FORMS = (
    ("resolve", "办结"),
    ("progress", "记进展"),
    ("transfer", "转交"),
    ("reclass", "改类"),
    ("merge", "合并"),
    ("reject", "驳回"),
    ("reopen", "重办"),
)
# The page plays the ticket's own videos: media from this site only, nothing else.
TICKET_CSP = CSP.replace("img-src 'self' data:;", "img-src 'self' data:; media-src 'self';")


class Flash:
    """The outcome of the last action, shown once on the next page of the same browser."""

    LIMIT = 1000  # sessions at most; the oldest message is dropped first

    def __init__(self) -> None:
        self._messages: dict[str, str] = {}

    def put(self, request: web.Request, text: str) -> None:
        """Keep ``text`` for this browser's next page."""
        if len(self._messages) >= self.LIMIT:
            self._messages.pop(next(iter(self._messages)))
        self._messages[request.cookies.get(SESSION_COOKIE, "")] = text

    def take(self, request: web.Request) -> str:
        """The message kept for this browser ('' when none), forgotten once shown."""
        return self._messages.pop(request.cookies.get(SESSION_COOKIE, ""), "")


FLASH = web.AppKey("liufang.web.ticket_flash", Flash)


@dataclass(slots=True)
class TicketView:
    """Everything the ticket page shows."""

    ticket: Ticket
    events: list[Step]
    reports: list[TicketReport]
    evidence: list[TicketEvidence]
    meeting: Meeting | None
    members: list[Member]
    coming: Step | None  # the next follow-up planned, if any


def _load_ticket(session: Session, ticket_id: int, bot: str) -> TicketView | None:
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
        select(TicketEvidence)
        .where(TicketEvidence.ticket_id == ticket_id)
        .order_by(col(TicketEvidence.at), col(TicketEvidence.id))
    ).all()
    members = session.exec(
        select(Member)
        .where(Member.community_code == ticket.community_code)
        .order_by(col(Member.role), col(Member.name))
    ).all()
    runs = session.exec(select(FollowUp).where(FollowUp.ticket_id == ticket_id)).all()
    steps, coming = timeline(list(events), list(runs), bot)
    meeting = session.get(Meeting, ticket.meeting_id) if ticket.meeting_id else None
    return TicketView(ticket, steps, list(reports), list(evidence), meeting, list(members), coming)


async def _view(request: web.Request, ticket_id: int) -> TicketView | None:
    """The ticket's view when it exists and the user may see it, else None."""
    reader = request.app[READER]

    def load() -> TicketView | None:
        with reader.session() as session:
            return _load_ticket(session, ticket_id, request.app[WEB].services.bot_name)

    view = await asyncio.to_thread(load)
    if view is None or not can_see(current_user(request), view.ticket.community_code):
        return None
    return view


def _forms(view: TicketView, request: web.Request) -> list[tuple[str, str]]:
    """The actions the user may take on this ticket in its present state."""
    user = current_user(request)
    state = view.ticket.state
    shown = []
    for action, label in FORMS:
        fits = state in REOPENABLE if action == "reopen" else state in OPEN_STATES
        if fits and allowed(user, action):
            shown.append((action, label))
    return shown


def _page(
    request: web.Request,
    view: TicketView,
    *,
    status: int = 200,
    error: str = "",
    action: str = "",
    form: dict[str, str] | None = None,
) -> web.Response:
    user = current_user(request)
    context = request.app[WEB]
    t = view.ticket
    names = {c.code: c.name for c in context.settings.communities}
    full = user.community != "*"
    response = render(
        request,
        "ticket.html",
        {
            "t": t,
            "overdue": is_overdue(t, context.clock(), context.services.policy),
            "next_step": next_step(t),
            "community_name": names.get(t.community_code, t.community_code),
            "events": view.events,
            "coming": view.coming,
            "reports": view.reports,
            # The community's own users see the pictures; a district account sees counts.
            "evidence": view.evidence,
            "media": {e.id: ticket_media.available(request, e) for e in view.evidence}
            if full
            else {},
            "meeting": view.meeting,
            "RATING_LABELS": RATING_LABELS,
            # The community's own six parties act on the ticket and see it whole; a district
            # account supervises every community and sees it through the privacy policy.
            "full": full,
            "forms": _forms(view, request),
            "district_note": DISTRICT_REFUSAL if not full else "",
            "members": view.members,
            "parties": PARTY_CHOICES,
            "classes": CLASS_CHOICES,
            "categories": CATEGORY_CHOICES,
            "flash": request.app[FLASH].take(request) if not error else "",
            "error": error,
            "error_action": action,
            "form": form or {},
        },
        status=status,
    )
    response.headers["Content-Security-Policy"] = TICKET_CSP
    return response


def _not_found(request: web.Request) -> web.Response:
    return render(request, "not_found.html", {}, status=404)


async def ticket_page(request: web.Request) -> web.StreamResponse:
    """GET /tickets/{id}: the ticket and its whole history.

    Another community's ticket answers exactly as a missing one (404), so its existence is
    not revealed.
    """
    view = await _view(request, int(request.match_info["id"]))
    return _not_found(request) if view is None else _page(request, view)


async def ticket_action(request: web.Request) -> web.StreamResponse:
    """POST /tickets/{id}/{action}: carry out the action, then show the ticket again (303);
    a refusal shows the page with the reason and what was typed (403 role, 400 input or
    state, 500 when the bot failed and rolled everything back)."""
    action = request.match_info["action"]
    ticket_id = int(request.match_info["id"])
    view = await _view(request, ticket_id)
    if view is None or action not in ACTIONS:
        return _not_found(request)
    posted = await request.post()
    form = {k: v for k, v in posted.items() if isinstance(v, str) and k != "csrf_token"}
    why = refusal_for_role(current_user(request), action)
    if why is not None:
        return _page(request, view, status=403, error=why, action=action, form=form)
    outcome = await act(request, view.ticket, action, form)
    if not outcome.ok:
        return _page(
            request, view, status=outcome.status, error=outcome.text, action=action, form=form
        )
    request.app[FLASH].put(request, outcome.text)
    return web.Response(status=303, headers={"Location": f"/tickets/{ticket_id}"})


def setup(app: web.Application) -> None:
    """The ticket page, its actions and its media (after the dashboard's templates)."""
    app[FLASH] = Flash()
    app.router.add_get(r"/tickets/{id:\d{1,9}}", ticket_page)
    app.router.add_post(r"/tickets/{id:\d{1,9}}/{action:[a-z]{1,16}}", ticket_action)
    ticket_media.setup(app, _view)
