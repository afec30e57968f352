"""Which team a filed report is for, if any: by the words in it, then by its category."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.teams.fields import FIELDS
from storage.models import Ticket
from storage.volunteers.models import Team

# Paperwork and patrol words are the most specific; welfare is the broadest, asked last.
ORDER = ("affairs", "safety", "culture", "education", "relief")


def team_for(ticket: Ticket, teams: Sequence[Team]) -> Team | None:
    """The team the ticket fits best, or None; urgent tickets stay with the on-site route."""
    if ticket.klass == "urgent":
        return None
    by_field = {t.field: t for t in teams}
    best: tuple[int, int] | None = None
    chosen: Team | None = None
    for rank, code in enumerate(ORDER):
        team = by_field.get(code)
        if team is None:
            continue
        words = (*FIELDS[code].words, *(w for w in team.words.split("|") if w))
        hits = sum(1 for w in words if w in ticket.text)
        if hits and (best is None or (hits, -rank) > best):
            best, chosen = (hits, -rank), team
    if chosen is not None:
        return chosen
    for code in ORDER:
        team = by_field.get(code)
        if team is not None and ticket.category in FIELDS[code].categories:
            return team
    return None
