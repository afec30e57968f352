"""Shared fixtures: databases on every supported backend.

``database`` runs a test on SQLite and on PostgreSQL (skipped, with the reason shown by
``-rs``, unless LIUFANG_TEST_POSTGRES_URL is set); ``sqlite_database`` is the embedded default
alone; ``blank_database`` is like ``database`` but not yet migrated.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from bot.logs import remove_logging
from storage.db import Database
from tests.support.db import POSTGRES_SKIP_REASON, postgres_db, postgres_url, sqlite_db

# Hypothesis: the same examples on every run (CI is reproducible; a failure is found again),
# no example database written next to the code, no per-example deadline on a shared machine.
# Each fuzz suite sets its own example budget; together they add well under a minute.
settings.register_profile(
    "liufang",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("liufang")

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def blank_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database (no tables, no migrations run) on each backend."""
    if request.param == "sqlite":
        with sqlite_db(tmp_path, upgrade=False) as db:
            yield db
        return
    url = postgres_url()
    if url is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    with postgres_db(url, upgrade=False) as db:
        yield db


@pytest.fixture
def database(blank_database: Database) -> Database:
    """A migrated, empty database on each backend."""
    blank_database.upgrade()
    return blank_database


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty SQLite database in a temporary file."""
    with sqlite_db(tmp_path) as db:
        yield db


@pytest.fixture(autouse=True)
def _no_logging_left_behind() -> Iterator[None]:
    """A test that runs the bot in-process sets up its logging on the root logger; the next
    test must not inherit those handlers (their stream is closed, and their masking filter
    changes the records every later handler sees)."""
    level = logging.getLogger().level
    yield
    remove_logging()
    logging.getLogger().setLevel(level)
