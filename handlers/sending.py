"""How the replies to one message are queued: their priority, answer or notice, and floods.

- **Priority**: a reply is urgent when its handler made it so, or when the message concerned
  an urgent ticket (:meth:`Context.concerns`). Urgent rows jump every room's queue and are
  never held for the quiet hours.
- **Answer or notice**: a reply to the room where the person just wrote (or privately to
  them) answers them and goes at once; anything else not urgent that is told to other rooms
  or people — a small ticket's card, the claim, progress and resolved notices in the
  reporters' and the six parties' groups — is a notice, held during the quiet hours and
  merged per room like a follow-up.
- **Floods**: one person may be answered at most ``per_minute`` times a minute in a group
  (the six parties and grid leaders, who work through the bot, are not limited). Past that
  their messages are still handled (reports filed, notices to others sent), but the routine
  answers to that room are left out and they get one short line saying so.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from handlers.events import Inbound, Reply
from handlers.vocabulary import SIX_PARTIES

# Whose answers are never limited: the six parties and grid leaders work through the bot
# (claims, progress, relayed reports in a row); a flood comes from elsewhere.
UNLIMITED_ROLES = frozenset((*SIX_PARTIES, "grid_leader"))

WINDOW = timedelta(minutes=1)
TOO_FAST = (
    "您发得太快了。后面发的内容照样登记，只是不再逐条回复；请过一分钟再发，"
    "想看登记了哪些，请发「我的工单」。"
)


def answers_sender(event: Inbound, reply: Reply) -> bool:
    """True when the reply goes back where the person wrote: their group, or privately."""
    if event.kind == "open311":
        return False  # the web form has nobody waiting in a chat
    if reply.room_id is not None:
        return reply.room_id == event.room_id
    return reply.to_id == event.sender_id


def prioritise(event: Inbound, replies: Sequence[Reply], urgent: bool) -> list[Reply]:
    """Mark the replies urgent (``urgent``: the message concerned an urgent ticket) and
    mark what is not an answer to the sender as a notice (held for the quiet hours)."""
    marked = []
    for reply in replies:
        if urgent and not reply.urgent:
            reply = replace(reply, urgent=True)
        # Urgent notices stay whole messages of their own: they are never held or merged.
        if not reply.followup and not reply.urgent and not answers_sender(event, reply):
            reply = replace(reply, followup=True)
        marked.append(reply)
    return marked


class SenderLimits:
    """At most ``per_minute`` routine answers to one person in one group (0: no limit).

    Past the limit the person is flooding until they have sent nothing for a minute: only
    then are they answered again, so a flood costs the room one warning, not a steady trickle.
    In memory, like the sender's rate limits: a restart starts with empty windows.
    """

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._answered: dict[tuple[str, str], deque[datetime]] = {}
        self._last_seen: dict[tuple[str, str], datetime] = {}
        self._flooding: set[tuple[str, str]] = set()

    def apply(
        self, event: Inbound, replies: Sequence[Reply], now: datetime, role: str
    ) -> list[Reply]:
        """The replies to queue: within the limit all of them; past it the urgent ones, the
        notices to other rooms, and (once per flood) the line telling the sender to slow down."""
        if not self.per_minute or event.room_id is None or event.kind == "open311":
            return list(replies)
        if role in UNLIMITED_ROLES:
            return list(replies)
        key = (event.room_id, event.sender_id)
        last = self._last_seen.get(key)
        self._last_seen[key] = now
        if last is None or not last <= now < last + WINDOW:
            self._flooding.discard(key)  # quiet for a minute (or the clock went back)
        times = self._recent(key, now)
        routine = [r for r in replies if r.room_id == event.room_id and not r.urgent]
        if key not in self._flooding and len(times) + len(routine) <= self.per_minute:
            times.extend([now] * len(routine))
            return list(replies)
        kept = [r for r in replies if r.room_id != event.room_id or r.urgent]
        if routine and key not in self._flooding:
            # One line per flood: the warning itself must not become the flood.
            self._flooding.add(key)
            times.append(now)
            kept.append(
                Reply(text=TOO_FAST, room_id=event.room_id, mention_ids=(event.sender_id,))
            )
        return kept

    def _recent(self, key: tuple[str, str], now: datetime) -> deque[datetime]:
        """The answers to ``key`` that still count at ``now``."""
        times = self._answered.setdefault(key, deque())
        if times and times[-1] > now:
            times.clear()  # the clock went back (console time travel)
        while times and times[0] <= now - WINDOW:
            times.popleft()
        return times
