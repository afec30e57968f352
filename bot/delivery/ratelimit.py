"""Sending limits: sliding one-minute windows per room and over all rooms, on the given clock.

A window remembers when each recent message went out. It lives in memory: after a restart the
bot starts with empty windows, so at worst one extra minute's allowance goes out then.

Part of each window is reserved for urgent messages: routine traffic stops short of the limit
by the reserve, so an alarm finds a free send at once however long the routine backlog is,
and the limit itself is never exceeded.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=1)
_ALL = "*"  # the key of the global window


class SlidingWindow:
    """At most ``limit`` sends per key within any ``window``."""

    def __init__(self, limit: int, window: timedelta = WINDOW) -> None:
        if limit < 1:
            raise ValueError("a sending limit must allow at least one message")
        self.limit = limit
        self.window = window
        self._sent: dict[str, deque[datetime]] = {}

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        """The send times of ``key`` that still count at ``now``."""
        times = self._sent.get(key)
        if times is None:
            return deque()
        if times and times[-1] > now:
            # The clock went back (console time travel): the "future" sends cannot be judged,
            # and keeping them would silence the room until the clock catches up.
            times.clear()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._sent[key]
        return times

    def free(self, key: str, now: datetime, spare: int = 0) -> bool:
        """True when one more message to ``key`` may go out at ``now`` and leave ``spare``."""
        return len(self._recent(key, now)) < self.limit - spare

    def next_free(self, key: str, now: datetime) -> datetime:
        """The first moment at or after ``now`` when ``key`` may send again."""
        times = self._recent(key, now)
        if len(times) < self.limit:
            return now
        return times[-self.limit] + self.window

    def record(self, key: str, now: datetime) -> None:
        """Count one message sent to ``key`` at ``now``."""
        self._recent(key, now)
        self._sent.setdefault(key, deque()).append(now)


class RateLimits:
    """The per-room and the global window together; ``None`` limits mean no limit.

    ``reserve_room`` and ``reserve_global`` sends of each window are kept for urgent messages
    (capped so that routine traffic keeps at least one send a minute).
    """

    def __init__(
        self,
        per_room: int | None,
        overall: int | None,
        reserve_room: int = 0,
        reserve_global: int = 0,
    ) -> None:
        self._room = SlidingWindow(per_room) if per_room else None
        self._all = SlidingWindow(overall) if overall else None
        self._reserve_room = min(reserve_room, per_room - 1) if per_room else 0
        self._reserve_all = min(reserve_global, overall - 1) if overall else 0

    def room_free(self, key: str, now: datetime, urgent: bool = False) -> bool:
        """True when the room (or private recipient) ``key`` may get a message now."""
        spare = 0 if urgent else self._reserve_room
        return self._room is None or self._room.free(key, now, spare)

    def global_free(self, now: datetime, urgent: bool = False) -> bool:
        """True when the bot may send one more (urgent or routine) message anywhere now."""
        spare = 0 if urgent else self._reserve_all
        return self._all is None or self._all.free(_ALL, now, spare)

    def free(self, key: str, now: datetime, urgent: bool = False) -> bool:
        """True when both windows allow one more message to ``key`` now."""
        return self.global_free(now, urgent) and self.room_free(key, now, urgent)

    def record(self, key: str, now: datetime) -> None:
        """Count one message to ``key`` in both windows."""
        if self._room is not None:
            self._room.record(key, now)
        if self._all is not None:
            self._all.record(_ALL, now)
