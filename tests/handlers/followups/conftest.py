"""Fixtures for the follow-up tests: a bot with the app's scheduler on the demo config."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.followups import FollowUpBot


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[FollowUpBot]:
    """Ticket follow-ups alone: digests are tested on their own."""
    b = FollowUpBot.demo(tmp_path, digests=False)
    yield b
    b.close()


@pytest.fixture
def full_bot(tmp_path: Path) -> Iterator[FollowUpBot]:
    """The scheduler exactly as the app wires it, digests included."""
    b = FollowUpBot.demo(tmp_path)
    yield b
    b.close()
