"""Sending limits: sliding one-minute windows per room and over all rooms, on the given clock.

A window remembers when each recent message went out. It lives in memory: after a restart the
bot starts with empty windows, so at worst one extra minute's allowance goes out then.
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

    def free(self, key: str, now: datetime) -> bool:
        """True when one more message to ``key`` may go out at ``now``."""
        return len(self._recent(key, now)) < self.limit

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
    """The per-room and the global window together; ``None`` limits mean no limit."""

    def __init__(self, per_room: int | None, overall: int | None) -> None:
        self._room = SlidingWindow(per_room) if per_room else None
        self._all = SlidingWindow(overall) if overall else None

    def room_free(self, key: str, now: datetime) -> bool:
        """True when the room (or private recipient) ``key`` may get a message now."""
        return self._room is None or self._room.free(key, now)

    def global_free(self, now: datetime) -> bool:
        """True when the bot may send one more message anywhere now."""
        return self._all is None or self._all.free(_ALL, now)

    def free(self, key: str, now: datetime) -> bool:
        """True when both windows allow one more message to ``key`` now."""
        return self.global_free(now) and self.room_free(key, now)

    def record(self, key: str, now: datetime) -> None:
        """Count one message to ``key`` in both windows."""
        if self._room is not None:
            self._room.record(key, now)
        if self._all is not None:
            self._all.record(_ALL, now)
