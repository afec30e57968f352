"""Fixtures for the follow-up tests: a bot with the app's scheduler, on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.conftest import BACKENDS
from tests.support.db import POSTGRES_SKIP_REASON, postgres_db, postgres_url
from tests.support.followups import FollowUpBot


def _bot(
    request: pytest.FixtureRequest, tmp_path: Path, *, digests: bool
) -> Iterator[FollowUpBot]:
    with ExitStack() as stack:
        url = None
        if request.param == "postgres":
            base = postgres_url()
            if base is None:
                pytest.skip(POSTGRES_SKIP_REASON)
            url = stack.enter_context(postgres_db(base, upgrade=False)).url
        b = FollowUpBot.demo(tmp_path, digests=digests, database_url=url)
        stack.callback(b.close)
        yield b


@pytest.fixture(params=BACKENDS)
def bot(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FollowUpBot]:
    """Ticket follow-ups alone (digests are tested on their own), on SQLite and PostgreSQL."""
    yield from _bot(request, tmp_path, digests=False)


@pytest.fixture(params=BACKENDS)
def full_bot(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FollowUpBot]:
    """The scheduler exactly as the app wires it, digests included, on each backend."""
    yield from _bot(request, tmp_path, digests=True)
