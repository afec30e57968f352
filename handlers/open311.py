"""Open311 intake: a service request submitted through the web API becomes a ticket.

The web layer turns a POSTed request into an :class:`Inbound` of kind ``open311`` whose room
is a group of the chosen community (its six-party group when one is bound), so the request
goes through the dispatcher like a chat report: one transaction for the ticket, its first
event, its follow-ups and the card in the six-party group. The differences, because nobody
is in the chat to answer:

- the category is the requested ``service_code`` (the class still comes from the text);
- the ticket has no reporting room (``room_id`` None): progress notices and the return
  visit, which go to where a ticket was reported, are skipped; unrated, it closes by itself;
- the card is the only message, @-mentioning whoever must act, marked as a web request;
- a request repeating an open ticket joins it as a "+1" (its id is then the open ticket's).

The requester's name, phone and e-mail never reach this module.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.duplicates import ANONYMOUS_REPORTER, Place, find_duplicate
from handlers.events import Reply
from handlers.followups.notify import People
from handlers.routing import card, maybe_urgent_check
from handlers.vocabulary import ROUTE_BY_CLASS
from storage.checks import saved_id
from storage.models import Ticket, TicketReport
from storage.people import six_party_room
from storage.search import search_text_of
from storage.tickets import create_ticket

KIND = "open311"
SENDER_ID = ANONYMOUS_REPORTER
SENDER_NAME = "网上报事（Open311）"
CARD_HEAD = "【网上报事】市民通过 Open311 接口提交，群里没有报事人，进展请在本群跟进。"
MAX_LOCATION = 200


def source_key(msg_id: str) -> str:
    """The ``source_msg_id`` of the ticket (or +1) a submitted request makes."""
    return f"{KIND}:{msg_id}"[:200]


class Open311Handler:
    """Files web API requests (``Inbound.kind == "open311"``); passes everything else on."""

    name = "open311"

    def handle(self, ctx: Context) -> list[Reply] | None:
        """File the request as a ticket and post its card to the six parties."""
        ev = ctx.event
        if ev.kind != KIND:
            return None
        if ctx.group is None:  # the web layer only sends requests for bound groups
            return []
        details = dict(ev.details)
        category = details["service_code"]
        text = ctx.text.strip() or details.get("service_name", category)
        found = ctx.services.nlp.classify(text)
        found_here = found.is_report and found.category == category
        source = source_key(ev.msg_id)
        location = _location(details, found.location.label())
        lat, lon = _float(details.get("lat")), _float(details.get("long"))
        place = Place.of(location, lat, lon)
        if found_here and (same := find_duplicate(ctx, found, source, place)) is not None:
            self._plus_one(ctx, same, text, source)
            return []
        klass = found.klass if found.is_report else "small"
        # The party the classifier names fits its own category; for the requested category
        # take the lexicon's default party (a test classifier may have no lexicon: property).
        lexicon_default = getattr(getattr(ctx.services.nlp, "lexicon", None), "responsible", {})
        responsible = found.responsible if found_here else lexicon_default.get(category)
        tokens = found.tokens or tuple(ctx.services.nlp.tokenize(text))
        ticket = Ticket(
            community_code=ctx.group.community_code,
            grid=ctx.group.grid,
            room_id=None,
            reporter_id=SENDER_ID,
            reporter_name=SENDER_NAME,
            text=text,
            klass=klass,
            category=category,
            route=ROUTE_BY_CLASS[klass] or "online",
            location=location,
            responsible=responsible or "property",
            cues="|".join(("网上报事", *found.cues))[:1000],
            filed_on_request=not found.is_report,
            maybe_urgent=found.maybe_urgent,
            created_at=ctx.now,
            updated_at=ctx.now,
            due_at=ctx.services.policy.deadlines.due(klass, ctx.now),
            source_msg_id=source,
            search_text=search_text_of(tokens),
            lat=lat,
            lon=lon,
        )
        create_ticket(ctx.session, ticket, actor_id=SENDER_ID, actor_name=SENDER_NAME, note=text)
        ctx.concerns(ticket)  # an urgent request's card jumps the queues
        replies = [self._card(ctx, ticket)]
        if ticket.maybe_urgent:  # nobody in a chat to answer 「急」: the on-duty people check
            replies.append(maybe_urgent_check(ctx, ticket, replies[0].room_id))
        return replies

    def _card(self, ctx: Context, ticket: Ticket) -> Reply:
        people = People(ctx.session, {ticket.community_code})
        if ticket.route == "onsite":
            alerted = people.responder_members(ticket)
        else:
            alerted = people.responsible_members(ticket)
        room = six_party_room(ctx.session, ticket.community_code) or ctx.event.room_id
        return Reply(
            text=f"{CARD_HEAD}\n{card(ctx, ticket)}",
            room_id=room,
            mention_ids=tuple(m.contact_id for m in alerted),
        )

    def _plus_one(self, ctx: Context, ticket: Ticket, text: str, source: str) -> None:
        """Like a chat "+1", but with no room: nobody is in a chat to be told later."""
        ticket_id = saved_id(ticket)
        ctx.session.add(
            TicketReport(
                ticket_id=ticket_id,
                reporter_id=SENDER_ID,
                reporter_name=SENDER_NAME,
                room_id=None,
                text=text,
                at=ctx.now,
                source_msg_id=source,
            )
        )
        ticket.plus_ones += 1
        ctx.record(ticket, "plus_one", note=text)
        ctx.session.flush()


def _location(details: dict[str, str], found: str) -> str:
    """The address given, else the place named in the text, else the coordinates."""
    address = details.get("address", "").strip()
    if address:
        return address[:MAX_LOCATION]
    if found:
        return found
    lat, lon = _float(details.get("lat")), _float(details.get("long"))
    return f"坐标 {lat:.6f},{lon:.6f}" if lat is not None and lon is not None else ""


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
