"""Fakes for the injected services."""

from __future__ import annotations

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
