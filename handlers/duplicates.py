"""Duplicate reports: the same problem reported again joins the open ticket as a "+1"."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import col, select

from handlers.context import Context
from handlers.understanding.types import Classification
from handlers.vocabulary import OPEN_STATES
from storage.models import Ticket, TicketReport
from storage.search import words_of

_BUILDING = re.compile(r"(\d+)(?:栋|幢|号楼|座)")
# The same building is strong evidence; the same building within hours of an urgent
# report (a burst pipe, a gas smell) is nearly certain, whatever words people use.
SAME_BUILDING_BONUS = 0.25
URGENT_BONUS = 0.15
URGENT_WINDOW = timedelta(hours=6)
# Who web-form (Open311) reports are from: the form names nobody, so each counts as a person.
ANONYMOUS_REPORTER = "open311"
CANDIDATES = 60  # the newest open tickets of the category: duplicates come close together


def _building(location: str) -> str | None:
    m = _BUILDING.search(location)
    return m[1] if m else None


def similarity(a: set[str], b: set[str]) -> float:
    """Jaccard similarity of two token sets."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def find_duplicate(ctx: Context, found: Classification, source_msg_id: str) -> Ticket | None:
    """The open ticket of this community that the new report most likely repeats.

    The ticket this very message made (when it is delivered again) is not a candidate: the
    unique ``source_msg_id`` then refuses the second ticket, and the dispatcher drops the
    redelivery as already answered.
    """
    assert ctx.group is not None
    policy = ctx.services.policy
    since = ctx.now - timedelta(hours=policy.duplicate_window_hours)
    # Only the columns the score needs: loading whole tickets for hundreds of candidates
    # would cost more than the scoring itself.
    stmt = (
        select(Ticket.id, Ticket.location, Ticket.search_text, Ticket.klass, Ticket.created_at)
        .where(
            Ticket.community_code == ctx.group.community_code,
            Ticket.category == found.category,
            col(Ticket.state).in_(OPEN_STATES),
            col(Ticket.created_at) >= since,
            Ticket.source_msg_id != source_msg_id,
        )
        .order_by(col(Ticket.id).desc())
        .limit(CANDIDATES)
    )
    tokens = set(found.tokens)
    building = _building(found.location.label())
    best: tuple[float, int] | None = None
    for ticket_id, location, search_text, klass, created_at in ctx.session.exec(stmt):
        other = _building(location)
        if building and other and building != other:
            continue
        score = similarity(tokens, set(words_of(search_text)))
        if building and building == other:
            score += SAME_BUILDING_BONUS
        recent = ctx.now - created_at <= URGENT_WINDOW
        if found.klass == "urgent" and klass == "urgent" and recent:
            score += URGENT_BONUS
        if score >= policy.duplicate_similarity and (best is None or score > best[0]):
            best = (score, ticket_id)
    return ctx.session.get(Ticket, best[1], with_for_update=True) if best else None


def has_reported(ctx: Context, ticket: Ticket, reporter_id: str) -> bool:
    """True when this person already reported the ticket (first or as a +1)."""
    if ticket.reporter_id == reporter_id:
        return True
    stmt = select(TicketReport.id).where(
        TicketReport.ticket_id == ticket.id, TicketReport.reporter_id == reporter_id
    )
    return ctx.session.exec(stmt.limit(1)).first() is not None


def add_plus_one(ctx: Context, ticket: Ticket, text: str, source_msg_id: str) -> bool:
    """Record the report on the existing ticket, with an event; True for a new reporter.

    Every report is kept (what people add is evidence), but ``plus_ones`` counts people:
    one person repeating a report is still one reporter.
    """
    ev = ctx.event
    assert ticket.id is not None
    new = not has_reported(ctx, ticket, ev.sender_id)
    ctx.session.add(
        TicketReport(
            ticket_id=ticket.id,
            reporter_id=ev.sender_id,
            reporter_name=ev.sender_name,
            room_id=ev.room_id,
            text=text,
            at=ctx.now,
            source_msg_id=source_msg_id,
        )
    )
    if new:
        ticket.plus_ones += 1
    ctx.record(ticket, "plus_one", note=text)
    ctx.session.flush()
    return new


def reporters_besides_first(ctx: Context, ticket: Ticket, anonymous: str) -> int:
    """How many people reported the ticket after its first reporter (its ``plus_ones``).

    Reports from ``anonymous`` (the web form, which names nobody) count one each.
    """
    stmt = select(TicketReport.reporter_id).where(TicketReport.ticket_id == ticket.id)
    ids = list(ctx.session.exec(stmt))
    people = {i for i in ids if i not in (anonymous, ticket.reporter_id)}
    return len(people) + sum(1 for i in ids if i == anonymous != ticket.reporter_id)
