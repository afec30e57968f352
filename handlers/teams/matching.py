"""Which team a filed report is for, if any: by the words in it, then by its category."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from handlers.teams.fields import FIELDS
from storage.models import Ticket

# Paperwork and patrol words are the most specific; welfare is the broadest, asked last.
ORDER = ("affairs", "safety", "culture", "education", "relief")


class Matchable(Protocol):
    """What matching reads of a team: a table row or plain values alike."""

    @property
    def field(self) -> str:
        """The team's field code (``affairs``, ``safety``…)."""

    @property
    def words(self) -> str:
        """Extra ``|``-joined words the team takes."""


_T = TypeVar("_T", bound=Matchable)


def team_for(ticket: Ticket, teams: Sequence[_T]) -> _T | None:
    """The team the ticket fits best, or None; urgent tickets stay with the on-site route."""
    if ticket.klass == "urgent":
        return None
    by_field = {t.field: t for t in teams}
    best: tuple[int, int] | None = None
    chosen: _T | None = None
    # Read once: every attribute read of a table row goes through the ORM's instrumentation.
    text = ticket.text
    for rank, code in enumerate(ORDER):
        team = by_field.get(code)
        if team is None:
            continue
        hits = len([w for w in FIELDS[code].words if w in text])
        if team_words := team.words:
            hits += len([w for w in team_words.split("|") if w and w in text])
        if hits and (best is None or (hits, -rank) > best):
            best, chosen = (hits, -rank), team
    if chosen is not None:
        return chosen
    category = ticket.category
    for code in ORDER:
        team = by_field.get(code)
        if team is not None and category in FIELDS[code].categories:
            return team
    return None
