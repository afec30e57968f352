"""Fakes for the injected services."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import replace

from handlers.understanding import Understanding
from handlers.understanding.frames import Emergency
from handlers.understanding.types import Classification


class NothingUnderstood:
    """A classifier that sees no report in anything (to test explicit 报事)."""

    def classify(self, text: str) -> Classification:
        """Always class ``none``."""
        return Classification(klass="none", category="none", route=None)

    def tokenize(self, text: str) -> list[str]:
        """Characters as tokens, enough for search."""
        return [ch for ch in text if ch.isalnum()]

    def emergency(self, text: str) -> Emergency | None:
        """No danger is ever seen."""
        return None


class Worried:
    """The real understanding, except that the given texts come out 可能是急事.

    Tests of the 可能是急事 flow must not hang on where the model puts one borderline
    sentence; this makes the flow the subject and the judgement a given.
    """

    def __init__(self, real: Understanding, texts: Iterable[str]) -> None:
        self._real = real
        self._texts = frozenset(texts)
        self.lexicon = real.lexicon  # the Open311 handler reads default parties from it

    def classify(self, text: str) -> Classification:
        """The real answer, turned into a 可能是急事 small report for the given texts."""
        got = self._real.classify(text)
        if text.strip() not in self._texts:
            return got
        cues = ("可能急:外墙+歪了", *(c for c in got.cues if not c.startswith(("急:", "模型:"))))
        category = got.category if got.is_report else "safety"
        return replace(
            got, klass="small", category=category, route="online", maybe_urgent=True, cues=cues
        )

    def tokenize(self, text: str) -> list[str]:
        """The real tokens."""
        return self._real.tokenize(text)

    def emergency(self, text: str) -> Emergency | None:
        """The real emergency advice."""
        return self._real.emergency(text)


class RecordingChannel:
    """A channel with no input that records the text of what the app sends, and what had
    been sent when the app started it (catch-up before connecting)."""

    name = "test"
    rate_limited = False

    def __init__(self) -> None:
        self.said: list[str] = []
        self.said_before_start: list[str] | None = None
        self.closed = asyncio.Event()

    async def start(self, on_inbound: object) -> None:
        """Note what was said before the channel started; there is no input."""
        self.said_before_start = list(self.said)

    async def wait_closed(self) -> None:
        """Wait until stopped."""
        await self.closed.wait()

    async def stop(self) -> None:
        """Stop: wait_closed returns."""
        self.closed.set()

    async def say(self, room_id: str, text: str, mention_ids: Sequence[str] = ()) -> None:
        """Record a group message's text."""
        self.said.append(text)

    async def say_private(self, contact_id: str, text: str) -> None:
        """Record a private message's text."""
        self.said.append(text)
