"""The SIGKILL loop: a bot process killed at random moments under a fast report stream, and
started again; nothing is lost, no ticket is doubled, and on PostgreSQL nothing is sent twice
(on SQLite the target is at most 1 in 100 kills: the journal leaves only the instant between
the network accepting a part and the journal line)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from bench.killloop import _loop
from storage.db import Database
from tests.support.cluster import Cluster
from tests.support.db import POSTGRES_SKIP_REASON, postgres_db, postgres_url

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "SIGKILL"), reason="the platform has no SIGKILL to crash the bot with"
)
KILLS = 4


def test_sqlite_kill_loop(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'db' / 'liufang.db'}")
    cluster = Cluster(tmp_path, db.url)
    try:
        figures = _loop(cluster, db, KILLS, seed=3)
    finally:
        cluster.stop_all()
        db.dispose()
    assert figures["reports"] > 20
    assert figures["lost"] == 0 and figures["undelivered"] == 0
    assert figures["duplicate_sends"] <= 1, figures


def test_postgres_kill_loop(tmp_path: Path) -> None:
    url = postgres_url()
    if url is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    with postgres_db(url, upgrade=False) as db:
        cluster = Cluster(tmp_path, db.url, lease=6, check=1)
        try:
            figures = _loop(cluster, db, KILLS, seed=4)
        finally:
            cluster.stop_all()
    assert figures["reports"] > 20
    assert figures["lost"] == 0 and figures["undelivered"] == 0
    assert figures["duplicate_sends"] == 0, figures
