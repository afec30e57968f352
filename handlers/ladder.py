"""The alarm ladder: when an unanswered urgent ticket is alarmed again, and how loudly.

A policy, not a timer. Counted from the moment the ticket became urgent, the first day has the
three rungs (re-alert the responders, escalate to the secretary, report to the street) and
then a reminder every ``repeat_minutes``; each later day has reminders every
``repeat_minutes`` from its start. No day has more than ``daily_cap`` alarms. The slots are a
pure function of the configuration, so the database only keeps how many of them a ticket has
used up (``tickets.alerts``), and a catch-up after downtime sends the one rung that is due now.

Any answer from a responder (到场, 认领, 进展, a reply quoting the ticket) stops the ladder; a
ticket answered without 到场 gets ``claimed_reminders`` gentle reminders to whoever holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DAY_MINUTES = 24 * 60
_MINUTE = timedelta(minutes=1)  # built once: the sweep counts minutes for thousands of tickets
# The rungs, from mild to loud; ``repeat`` comes after the street has been told.
REALERT, SECRETARY, STREET, REPEAT = "realert", "secretary", "street", "repeat"
_FIRST_RUNGS = (REALERT, SECRETARY, STREET)


@dataclass(frozen=True, slots=True)
class AlarmLadder:
    """The rungs of the urgent alarm, in minutes since the ticket became urgent."""

    realert_minutes: int = 15  # re-alert the on-duty responders
    secretary_minutes: int = 30  # escalate to the secretary
    street_minutes: int = 60  # report to the street (街道) contact
    repeat_minutes: int = 120  # then at most one reminder this often
    daily_cap: int = 6  # alarms per ticket per day (24 hours from when it became urgent)
    claimed_remind_minutes: int = 30  # answered without 到场: remind the holder after this …
    claimed_reminders: int = 1  # … this many times, that often
    claimed_remind_private: bool = True  # privately (else @ in the six-party group)
    street_contact_id: str = ""  # the street's duty contact, told privately; empty: nobody
    street_contact_name: str = "街道值班室"

    def first_day(self) -> tuple[tuple[str, int], ...]:
        """The first day's alarms as (rung, minute), at most ``daily_cap`` of them."""
        # Asked several times per ticket in a sweep of thousands: computed once per ladder,
        # found by identity (a key of the ladder itself would hash its ten fields each time).
        known = _FIRST_DAYS.get(id(self))
        if known is None or known[0] is not self:
            if len(_FIRST_DAYS) > 16:  # ladders come from the config: a handful per process
                _FIRST_DAYS.clear()
            known = _FIRST_DAYS[id(self)] = (self, _first_day(self))
        return known[1]

    def per_later_day(self) -> int:
        """How many reminders each day after the first has."""
        fit = -(-DAY_MINUTES // self.repeat_minutes)  # slots at 0, repeat, … below a day
        return min(self.daily_cap, fit)

    def slot(self, index: int) -> tuple[str, int]:
        """The ``index``-th alarm of a ticket (from 0): its rung and minute."""
        first = self.first_day()
        if index < len(first):
            return first[index]
        day, k = divmod(index - len(first), self.per_later_day())
        return REPEAT, (day + 1) * DAY_MINUTES + k * self.repeat_minutes

    def minute(self, index: int) -> int:
        """The minute of the ``index``-th alarm."""
        return self.slot(index)[1]

    def latest(self, elapsed: timedelta) -> int | None:
        """The index of the last alarm due ``elapsed`` after the start (None: none yet)."""
        minutes = elapsed // _MINUTE
        first = self.first_day()
        if minutes < first[0][1]:
            return None
        if minutes < DAY_MINUTES:
            # The highest index whose minute has come (a loop: a generator per ticket cost more).
            for i in range(len(first) - 1, 0, -1):
                if first[i][1] <= minutes:
                    return i
            return 0
        day, into = divmod(minutes, DAY_MINUTES)
        k = min(into // self.repeat_minutes, self.per_later_day() - 1)
        return len(first) + (day - 1) * self.per_later_day() + k

    def next_after(self, since: datetime, now: datetime) -> datetime:
        """When the first alarm after ``now`` is due, for a ladder that started at ``since``."""
        last = self.latest(now - since)
        index = 0 if last is None else last + 1
        return since + _MINUTE * self.minute(index)

    def rung(self, first: int, last: int) -> str:
        """The rung to send when alarms ``first``..``last`` fell due together: the loudest
        escalation among them not sent before (a catch-up does not replay the others)."""
        if first == last:  # one alarm due: its own rung (the usual sweep)
            return self.slot(first)[0]
        rungs = {self.slot(i)[0] for i in range(first, last + 1)}
        for rung in reversed(_FIRST_RUNGS):
            if rung in rungs:
                return rung
        return REPEAT

    def last_of_its_day(self, index: int) -> bool:
        """True when the ``index``-th alarm is the day's last (the cap, or the day's end)."""
        return self.minute(index + 1) // DAY_MINUTES > self.minute(index) // DAY_MINUTES

    def nudges(self, answered_at: datetime) -> list[datetime]:
        """When the holder of an answered ticket is reminded to confirm 到场."""
        step = timedelta(minutes=self.claimed_remind_minutes)
        return [answered_at + step * k for k in range(1, self.claimed_reminders + 1)]


# id → (the ladder, its first day); the ladder is kept so that its id is not reused.
_FIRST_DAYS: dict[int, tuple[AlarmLadder, tuple[tuple[str, int], ...]]] = {}


def _first_day(ladder: AlarmLadder) -> tuple[tuple[str, int], ...]:
    slots = [
        (REALERT, ladder.realert_minutes),
        (SECRETARY, ladder.secretary_minutes),
        (STREET, ladder.street_minutes),
    ]
    at = ladder.street_minutes + ladder.repeat_minutes
    while at < DAY_MINUTES:
        slots.append((REPEAT, at))
        at += ladder.repeat_minutes
    return tuple(slots[: ladder.daily_cap])
