"""Dead letters: when the sender stops retrying a recipient that refuses every message.

A failed send is retried with backoff, and the recipient's later rows wait behind it so they
do not overtake it. A room that fails forever (the bot was removed from it, the group was
dissolved) would hold them forever. So failures are counted per recipient — only while the
channel itself is up: when WeChat is offline every room fails, and that is nobody's fault —
and after ``limit`` failures in a row the row is given up on (``outbox.dead_at``), an alert
says so, and the recipient's next rows are tried. While the recipient keeps refusing, each
of them gets one attempt; the first success starts the count again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

MAX_FAILURES = 12  # with the backoff from 2 s capped at 10 minutes: about 40 minutes


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """Rows given up on, for the alert: who they were for and why they failed."""

    key: str  # room:<id> or to:<id>
    row_ids: tuple[int, ...]
    text: str
    error: str
    first: bool  # the first dead letter of this recipient since it last accepted one


DeadLetterListener = Callable[[DeadLetter], Awaitable[None]]


class Strikes:
    """Consecutive failures per recipient while the channel was up (in memory)."""

    def __init__(self, limit: int = MAX_FAILURES) -> None:
        if limit < 1:
            raise ValueError(f"the dead-letter limit must be at least 1, not {limit}")
        self.limit = limit
        self._count: dict[str, int] = {}
        self._dead: set[str] = set()  # recipients that reached the limit and still refuse

    def failed(self, key: str, *, channel_up: bool) -> bool:
        """Count one failure; whether the row is to be given up on now."""
        if not channel_up:
            return False
        count = self._count[key] = self._count.get(key, 0) + 1
        return key in self._dead or count >= self.limit

    def gave_up(self, key: str) -> bool:
        """Record a dead letter for ``key``; whether it is the first since it last worked."""
        first = key not in self._dead
        self._dead.add(key)
        return first

    def succeeded(self, key: str) -> None:
        """The recipient accepted a message: its count starts again."""
        self._count.pop(key, None)
        self._dead.discard(key)
