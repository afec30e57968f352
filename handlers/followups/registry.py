"""Which batch handler runs each follow-up kind; features merge their kinds in the app."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from handlers.followups import alarms, overdue, tickets
from handlers.followups.engine import BatchHandler

TICKET_KINDS: Mapping[str, BatchHandler] = MappingProxyType(
    {
        "remind": tickets.remind,
        "overdue": tickets.overdue,
        "late": overdue.late,
        "realert": alarms.realert,
        "nudge": alarms.nudge,
        "visit": tickets.visit,
        "autoclose": tickets.autoclose,
    }
)


def follow_up_kinds(*more: Mapping[str, BatchHandler]) -> dict[str, BatchHandler]:
    """The ticket kinds plus ``more`` (e.g. the hall's); a kind registered twice is a bug."""
    kinds = dict(TICKET_KINDS)
    for extra in more:
        clash = kinds.keys() & extra.keys()
        if clash:
            raise ValueError(f"follow-up kinds registered twice: {sorted(clash)}")
        kinds.update(extra)
    return kinds
