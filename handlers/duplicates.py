"""Duplicate reports: the same problem reported again joins the open ticket as a "+1"."""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from datetime import timedelta

from handlers.context import Context
from handlers.understanding.types import Classification
from handlers.vocabulary import OPEN_STATES
from storage import duplicates as stored
from storage.checks import saved_id
from storage.models import Ticket
from storage.search import words_of

_BUILDING = re.compile(r"(\d+)(?:栋|幢|号楼|座)")
_UNIT = re.compile(r"(\d+)单元")
_COORDINATES = re.compile(r"^坐标 ")
NEAR_METRES = 80.0  # two reports this close (by coordinates) are about the same place
# Spots every building has: without the building they say nothing about where (电梯 is in
# every building), so they never make two reports the same place on their own.
IN_EVERY_BUILDING = frozenset(
    {
        "单元门口",
        "楼栋口",
        "门口",
        "楼道口",
        "楼道",
        "楼梯间",
        "楼梯口",
        "楼梯",
        "电梯间",
        "电梯厅",
        "电梯",
        "楼顶",
        "天台",
        "屋顶",
        "顶楼",
        "架空层",
        "连廊",
        "阳台",
        "地下室",
        "楼下",
        "楼上",
        "家门口",
        "窗外",
        "隔壁",
    }
)
# The same place is strong evidence; the same place within hours of an urgent
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


@dataclass(frozen=True, slots=True)
class Place:
    """Where a report is about, as far as duplicates go."""

    building: str | None
    unit: str | None
    label: str  # the location as written when it names no building (东门, 地下车库)
    lat: float | None
    lon: float | None

    @classmethod
    def of(cls, location: str | None, lat: float | None = None, lon: float | None = None) -> Place:
        """The place of a location label (and coordinates, when a request gave them)."""
        # Every report parses the locations of dozens of candidates, mostly the same few.
        return _place_of(location, lat, lon)

    def known(self) -> bool:
        """True when anything about the place is known."""
        return bool(self.building or self.label or (self.lat is not None and self.lon is not None))


@functools.lru_cache(maxsize=4096)
def _place_of(location: str | None, lat: float | None, lon: float | None) -> Place:
    """:meth:`Place.of`, remembered: a Place is immutable, a function of its arguments."""
    text = (location or "").strip()
    building = _building(text)
    unit = m[1] if (m := _UNIT.search(text)) else None
    spot = text and not building and not _COORDINATES.match(text)
    label = text if spot and text not in IN_EVERY_BUILDING else ""
    return Place(building, unit, label, lat, lon)


def same_place(a: Place, b: Place) -> bool:
    """Whether two reports are about the same place: an unknown place matches nothing.

    The same building (and unit, when both name one), else coordinates within
    :data:`NEAR_METRES`, else the same named spot of the estate (东门, 地下车库).
    """
    if not a.known() or not b.known():
        return False
    if a.building and b.building:
        return a.building == b.building and (not a.unit or not b.unit or a.unit == b.unit)
    if None not in (a.lat, a.lon, b.lat, b.lon):
        return _metres(a, b) <= NEAR_METRES
    if a.building or b.building:
        return False  # a building against a spot or coordinates: cannot tell, keep apart
    return bool(a.label) and a.label == b.label


def _metres(a: Place, b: Place) -> float:
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        raise ValueError("a distance needs the coordinates of both places")
    # An equirectangular approximation: exact enough over a few hundred metres.
    mean = math.radians((a.lat + b.lat) / 2)
    dx = math.radians(b.lon - a.lon) * math.cos(mean)
    dy = math.radians(b.lat - a.lat)
    return 6_371_000 * math.hypot(dx, dy)


def similarity(a: set[str], b: set[str]) -> float:
    """Jaccard similarity of two token sets."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def find_duplicate(
    ctx: Context, found: Classification, source_msg_id: str, place: Place | None = None
) -> Ticket | None:
    """The open ticket of this community that the new report most likely repeats.

    Only a ticket about the same place (see :func:`same_place`) with a similar description
    can be the one; ``place`` is where the new report is (by default: the location found in
    its text).

    The ticket this very message made (when it is delivered again) is not a candidate: the
    unique ``source_msg_id`` then refuses the second ticket, and the dispatcher drops the
    redelivery as already answered.
    """
    if ctx.group is None:  # reports come from groups; a private one has no duplicates
        return None
    policy = ctx.services.policy
    since = ctx.now - timedelta(hours=policy.duplicate_window_hours)
    here = place or Place.of(found.location.label())
    if not here.known():
        return None  # "no location" repeats nothing: it would swallow every report
    tokens = set(found.tokens)
    best: tuple[float, int] | None = None
    # Without coordinates a report naming a building matches only that building (see
    # same_place), whose number is then in the location: a cheap test skips most candidates.
    # A named spot (东门) matches only a location that is that spot. Both are asked in SQL
    # too, so the candidates that cannot match are never read.
    building = here.building if here.lat is None or here.lon is None else None
    spot = here.label if here.lat is None or here.lon is None else ""
    rows = stored.candidates(
        ctx.session,
        community=ctx.group.community_code,
        category=found.category,
        open_states=OPEN_STATES,
        since=since,
        source_msg_id=source_msg_id,
        limit=CANDIDATES,
        recent_since=ctx.now - URGENT_WINDOW,
        near=building or spot or None,
    )
    for ticket_id, location, search_text, klass, recent, lat, lon in rows:
        if building is not None and building not in location:
            continue
        if not same_place(here, _place_of(location, lat, lon)):
            continue
        # The same place (building, spot or a few metres) is strong evidence.
        score = similarity(tokens, set(words_of(search_text))) + SAME_BUILDING_BONUS
        if found.klass == "urgent" and klass == "urgent" and recent:
            score += URGENT_BONUS
        if score >= policy.duplicate_similarity and (best is None or score > best[0]):
            best = (score, ticket_id)
    return stored.locked_ticket(ctx.session, best[1]) if best else None


def has_reported(ctx: Context, ticket: Ticket, reporter_id: str) -> bool:
    """True when this person already reported the ticket (first or as a +1)."""
    if ticket.reporter_id == reporter_id:
        return True
    return stored.has_report_from(ctx.session, ticket.id, reporter_id)


def add_plus_one(ctx: Context, ticket: Ticket, text: str, source_msg_id: str) -> bool:
    """Record the report on the existing ticket, with an event; True for a new reporter.

    Every report is kept (what people add is evidence), but ``plus_ones`` counts people:
    one person repeating a report is still one reporter.
    """
    ev = ctx.event
    ticket_id = saved_id(ticket)
    new = not has_reported(ctx, ticket, ev.sender_id)
    stored.add_report(
        ctx.session,
        ticket_id=ticket_id,
        reporter_id=ev.sender_id,
        reporter_name=ev.sender_name,
        room_id=ev.room_id,
        text=text,
        at=ctx.now,
        source_msg_id=source_msg_id,
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
    ids = stored.report_senders(ctx.session, ticket.id)
    people = {i for i in ids if i not in (anonymous, ticket.reporter_id)}
    return len(people) + sum(1 for i in ids if i == anonymous != ticket.reporter_id)
