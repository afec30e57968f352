"""Open311 ``POST requests.json``: a submitted request becomes a ticket, like a chat report.

The form (``application/x-www-form-urlencoded``, as the spec says; multipart works too) is
checked, then handed to the dispatcher as an :class:`Inbound` of kind ``open311`` in a group
of the chosen community (see :mod:`handlers.open311`), so the ticket, its follow-ups and its
card in the six-party group are written in one transaction and sent by the outbox.

Which community: the one ``jurisdiction_id`` names (a community code); else the one whose
name appears in ``address_string`` or ``description`` (with or without 社区); else the first
community of the config. The request goes to that community's six-party group (a grid group
when no six-party group is bound).

``first_name``, ``last_name``, ``phone``, ``email``, ``device_id`` and ``account_id`` are
accepted and dropped: they are never stored, published or echoed.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import uuid
from typing import Any

from aiohttp import web
from multidict import MultiMapping
from sqlmodel import select

from bot.config import Settings
from bot.web.open311_format import SERVICES, Open311Error, service_notice, w3c
from bot.web.open311_query import community_of
from bot.web.server import WEB, WebContext
from handlers.events import Inbound
from handlers.open311 import KIND, SENDER_ID, SENDER_NAME, source_key
from handlers.understanding import normalize_text
from handlers.vocabulary import CATEGORY_LABELS
from storage.models import Group, Ticket, TicketReport

log = logging.getLogger(__name__)
MAX_DESCRIPTION = 4000  # the spec's limit
MAX_ADDRESS = 200
_flushes: set[asyncio.Task[int]] = set()  # keep background sends referenced until done


def _field(form: MultiMapping[Any], name: str) -> str:
    value = form.get(name, "")
    if not isinstance(value, str):
        raise Open311Error(400, f"{name} must be a text field")
    return value.strip()


def _check_key(form: MultiMapping[Any], configured: str) -> None:
    if not configured:
        raise Open311Error(403, "submitting requests is not enabled on this server")
    given = _field(form, "api_key")
    if not given or not hmac.compare_digest(given.encode(), configured.encode()):
        raise Open311Error(403, "api_key is missing or invalid")


def _coordinates(form: MultiMapping[Any]) -> tuple[float | None, float | None]:
    lat_raw, lon_raw = _field(form, "lat"), _field(form, "long")
    if not lat_raw and not lon_raw:
        return None, None
    try:
        lat, lon = float(lat_raw), float(lon_raw)
    except ValueError:
        raise Open311Error(400, "lat and long must both be decimal degrees (WGS84)") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Open311Error(400, "lat must be within ±90 and long within ±180")
    return lat, lon


def choose_community(settings: Settings, form: MultiMapping[Any], address: str) -> str:
    """The community of a request, by the rule in the module docstring."""
    codes = [c.code for c in settings.communities]
    chosen = community_of({"jurisdiction_id": _field(form, "jurisdiction_id")}, codes)
    if chosen:
        return chosen
    text = f"{address} {_field(form, 'description')}"
    for c in settings.communities:
        short = c.name.removesuffix("社区")
        if c.name in text or (len(short) >= 2 and short in text):
            return c.code
    return codes[0]


def _room_of(context: WebContext, community: str) -> Group | None:
    """The six-party group of the community, else one of its grid groups."""
    with context.db.session() as session:
        groups = session.exec(select(Group).where(Group.community_code == community)).all()
    groups = sorted(groups, key=lambda g: (g.kind != "six_party", g.room_id))
    return groups[0] if groups else None


def _filed(context: WebContext, msg_id: str) -> dict[str, Any] | None:
    """The ticket the request made, or joined as a "+1" (``joined`` says which)."""
    source = source_key(msg_id)
    with context.db.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.source_msg_id == source)).first()
        joined = False
        if ticket is None:
            report = session.exec(
                select(TicketReport).where(TicketReport.source_msg_id == source)
            ).first()
            ticket = session.get(Ticket, report.ticket_id) if report else None
            joined = True
        if ticket is None:
            return None
        return {"id": ticket.id, "route": ticket.route, "due_at": ticket.due_at, "joined": joined}


def _notice(filed: dict[str, Any], context: WebContext) -> str:
    if filed["joined"]:
        return f"同一问题已有请求 {filed['id']} 在办理，已合并，请关注它的进展。"
    notice = service_notice(filed)
    due = w3c(filed["due_at"], context.settings.tz)
    return f"{notice}，预计 {due[:16].replace('T', ' ')} 前办结。" if due else f"{notice}。"


async def submit(request: web.Request) -> list[dict[str, Any]]:
    """Check the form, file the request through the dispatcher; the spec's response list."""
    context = request.app[WEB]
    form = await request.post()
    _check_key(form, context.settings.web.open311_api_key)
    code = _field(form, "service_code")
    if not code:
        raise Open311Error(400, "service_code is required")
    if code not in SERVICES:
        raise Open311Error(400, f"service_code {code!r} unknown; see services.json")
    description = _field(form, "description")
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, f"description is longer than {MAX_DESCRIPTION} characters")
    address = normalize_text(_field(form, "address_string"))[:MAX_ADDRESS]
    lat, lon = _coordinates(form)
    if not address and lat is None:
        if _field(form, "address_id"):
            raise Open311Error(400, "address_id is not supported; give lat/long or address_string")
        raise Open311Error(400, "a location is required: lat and long, or address_string")
    community = choose_community(context.settings, form, address)
    group = await asyncio.to_thread(_room_of, context, community)
    if group is None:
        raise Open311Error(400, f"jurisdiction {community!r} has no chat group to report to")
    msg_id = uuid.uuid4().hex
    details = {"service_code": code, "service_name": CATEGORY_LABELS[code], "address": address}
    if lat is not None and lon is not None:
        details |= {"lat": repr(lat), "long": repr(lon)}
    event = Inbound(
        msg_id=msg_id,
        room_id=group.room_id,
        room_topic="",  # never renames the group
        sender_id=SENDER_ID,
        sender_name=SENDER_NAME,
        text=description,
        at=context.clock(),
        kind=KIND,
        details=tuple(details.items()),
    )
    await context.dispatcher.process(event)
    _send_soon(context)
    filed = await asyncio.to_thread(_filed, context, msg_id)
    if filed is None:
        raise Open311Error(500, "the request could not be filed; please try again later")
    return [
        {
            "service_request_id": filed["id"],
            "service_notice": _notice(filed, context),
            "account_id": None,
        }
    ]


def _send_soon(context: WebContext) -> None:
    """Deliver the card now, without making the client wait for the chat network."""
    if context.sender is None:
        return
    task = asyncio.create_task(context.sender.flush())
    _flushes.add(task)
    task.add_done_callback(_flushed)


def _flushed(task: asyncio.Task[int]) -> None:
    _flushes.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("sending after an Open311 request failed", exc_info=task.exception())
