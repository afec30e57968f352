"""Who a follow-up tells, and how: people, rooms and per-room messages, loaded in bulk.

The rules of who is told live here once: batch handlers serve thousands of tickets with a
few queries, and ``handlers.routing`` asks the same class about a single ticket.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlmodel import Session

from handlers.commands.parser import ticket_ref
from handlers.events import Reply
from storage import ticket_queries
from storage.directory_cache import people_in
from storage.models import Member, Ticket
from storage.ticket_rows import TicketView

BRIEF_CHARS = 20
_MENTIONS_BUDGET = 1800  # characters of joined contact ids per message (the column holds 2000)


def brief(ticket: TicketView) -> str:
    """``T12 路灯坏了…（3栋2单元）``: enough to recognise the ticket in one line."""
    text = ticket.text if len(ticket.text) <= BRIEF_CHARS else ticket.text[:BRIEF_CHARS] + "…"
    where = f"（{ticket.location}）" if ticket.location else ""
    return f"{ticket_ref(ticket.id)} {text}{where}"


class People:
    """Members and six-party rooms of some communities, loaded in two queries.

    ``handlers.routing`` uses it for one ticket; batch handlers for many.
    """

    def __init__(self, session: Session, communities: set[str]) -> None:
        """Load everything the follow-ups of these communities may mention or post to."""
        # In the dispatcher they come from its directory cache: a ticket must not cost a
        # reload of its community's members and rooms.
        members, rooms = people_in(session, sorted(communities))
        self._members: dict[str, list[Member]] = defaultdict(list)
        # Members by community and role, in the members' order: every attribute read of a
        # table row goes through the ORM's instrumentation, so each role is read once here
        # rather than once per question asked.
        self._by_role: dict[tuple[str, str], list[Member]] = defaultdict(list)
        # For one community people_in gave its members only: its code, not each row's read.
        only = next(iter(communities)) if len(communities) == 1 else None
        for m in members:
            code = only if only is not None else m.community_code
            self._members[code].append(m)
            self._by_role[code, m.role].append(m)
        self._six: dict[str, str] = dict(rooms)
        self._responders: dict[tuple[str, str | None, str | None], list[Member]] = {}
        self._responder_ids: dict[tuple[str, str | None, str | None], tuple[str, ...]] = {}
        self._roles: dict[tuple[str, str, str | None], list[Member]] = {}
        self._role_ids: dict[tuple[str, str], tuple[str, ...]] = {}
        self._secretaries: dict[str, tuple[str, tuple[str, ...]]] = {}

    def six_party(self, community_code: str) -> str | None:
        """The room of the community's six-party group, if bound."""
        return self._six.get(community_code)

    def with_role(self, community_code: str, role: str, grid: str | None = None) -> list[Member]:
        """Members holding ``role`` (grid leaders of ``grid`` only, when given)."""
        key = (community_code, role, grid if role == "grid_leader" else None)
        found = self._roles.get(key)
        if found is None:  # a batch asks the same few questions for thousands of tickets
            holders = self._by_role.get((community_code, role), [])
            if role == "grid_leader" and grid is not None:
                holders = [m for m in holders if m.grid == grid]
            found = self._roles[key] = holders
        return list(found)

    def responsible_members(self, ticket: TicketView) -> list[Member]:
        """Who must act on a ticket: whoever claimed it, else everyone in the responsible role."""
        if ticket.assignee_id:
            claimant = Member(
                contact_id=ticket.assignee_id,
                name=ticket.assignee_name or "",
                role=ticket.responsible or "",
                community_code=ticket.community_code,
            )
            return [claimant]
        return self.with_role(ticket.community_code, ticket.responsible or "property")

    def responsible(self, ticket: TicketView) -> tuple[str, ...]:
        """Contact ids of :meth:`responsible_members`."""
        if ticket.assignee_id:  # the claimant alone: no Member object for thousands of tickets
            return (ticket.assignee_id,)
        key = (ticket.community_code, ticket.responsible or "property")
        found = self._role_ids.get(key)
        if found is None:  # asked for each of a batch's tickets: answered once per role
            found = self._role_ids[key] = tuple(
                m.contact_id for m in self.responsible_members(ticket)
            )
        return found

    def responder_members(self, ticket: TicketView) -> list[Member]:
        """On-duty responders of an urgent ticket: grid leader, the responsible party, property,
        department, secretary, then the community's on-duty roster — each once, in that order."""
        key = (ticket.community_code, ticket.grid, ticket.responsible)
        if key not in self._responders:  # many tickets share a community, grid and party
            roles = ("grid_leader", ticket.responsible or "property", "property", "department")
            found: dict[str, Member] = {}
            for role in (*roles, "secretary"):
                if role == "grid_leader" and not ticket.grid:
                    continue  # a report made in the six-party group has no grid of its own
                for m in self.with_role(ticket.community_code, role, grid=ticket.grid):
                    found.setdefault(m.contact_id, m)
            for m in self._members[ticket.community_code]:
                if m.on_duty:  # the roster set in the dashboard, whatever their role
                    found.setdefault(m.contact_id, m)
            self._responders[key] = list(found.values())
        return list(self._responders[key])

    def responders(self, ticket: TicketView) -> tuple[str, ...]:
        """Contact ids of :meth:`responder_members`."""
        key = (ticket.community_code, ticket.grid, ticket.responsible)
        found = self._responder_ids.get(key)
        if found is None:  # asked for each of a batch's tickets: answered once per key
            found = self._responder_ids[key] = tuple(
                m.contact_id for m in self.responder_members(ticket)
            )
        return found

    def secretaries(self, community_code: str) -> tuple[str, tuple[str, ...]]:
        """The secretaries (社区书记) by name (for the text) and contact id (to @ them)."""
        known = self._secretaries.get(community_code)
        if known is None:  # asked once per ticket of a batch: answered once per community
            found = self.with_role(community_code, "secretary")
            names = "、".join(m.name for m in found) or "社区书记"
            known = (names, tuple(m.contact_id for m in found))
            self._secretaries[community_code] = known
        return known


class Notices:
    """Collects one line per ticket and posts them as one message per room."""

    def __init__(self) -> None:
        """Start empty."""
        self._items: dict[tuple[str, bool], list[tuple[str, tuple[str, ...]]]] = defaultdict(list)

    def add(
        self, room_id: str | None, text: str, mentions: Sequence[str] = (), *, urgent: bool = False
    ) -> None:
        """Queue ``text`` for ``room_id`` (nothing when the room is unknown)."""
        if room_id is not None:
            self._items[(room_id, urgent)].append((text, tuple(mentions)))

    def replies(self) -> list[Reply]:
        """The queued notices: a message per room, split only where the @-list would overflow."""
        out: list[Reply] = []
        for (room_id, urgent), items in self._items.items():
            lines: list[str] = []
            mentions: dict[str, None] = {}
            joined = 0  # len(",".join(mentions))
            # The @-lists already wholly in ``mentions``: most lines of a room @ the same few
            # people, and for those the list neither grows nor needs joining again.
            inside: set[tuple[str, ...]] = set()
            for text, ids in items:
                if ids in inside:
                    more, more_joined = mentions, joined
                else:
                    more = {**mentions, **dict.fromkeys(ids)}
                    more_joined = len(",".join(more))
                if lines and more_joined > _MENTIONS_BUDGET:
                    out.append(_reply(room_id, lines, mentions, urgent))
                    lines, more = [], dict.fromkeys(ids)
                    more_joined = len(",".join(more))
                    inside = set()
                lines.append(text)
                mentions, joined = more, more_joined
                inside.add(ids)
            out.append(_reply(room_id, lines, mentions, urgent))
        return out


def _reply(room_id: str, lines: list[str], mentions: dict[str, None], urgent: bool) -> Reply:
    return Reply(
        "\n".join(lines),
        room_id=room_id,
        mention_ids=tuple(mentions),
        followup=True,
        urgent=urgent,
    )


def reporter_rooms(
    session: Session, tickets: dict[int, Ticket]
) -> dict[int, dict[str, list[str]]]:
    """Per ticket, everyone who reported it (first report and +1s) by room, in one query."""
    rooms: dict[int, dict[str, list[str]]] = {}
    for ticket_id, t in tickets.items():
        rooms[ticket_id] = {t.room_id: [t.reporter_id]} if t.room_id else {}
    for r in ticket_queries.reports_of(session, list(tickets)):
        if r.room_id is None:
            continue
        ids = rooms[r.ticket_id].setdefault(r.room_id, [])
        if r.reporter_id not in ids:
            ids.append(r.reporter_id)
    return rooms
