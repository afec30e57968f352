"""Handler test fixtures: the demo bot on the embedded SQLite default."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.harness import TestBot


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[TestBot]:
    """The demo config's bot with a database of its own."""
    b = TestBot.from_example(tmp_path)
    yield b
    b.close()
