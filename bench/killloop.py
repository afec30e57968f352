"""Issue 12: duplicate sends under a SIGKILL loop, on SQLite and on PostgreSQL.

One bot process (``tests.support.cluster``) takes a fast Open311 report stream; it is killed
with SIGKILL at a random moment two to five seconds after it answers, and started again at
once, ``KILLS`` times. Every accepted report must have its ticket and its card, and every
message must have been sent once: the figures are the duplicate sends per 100 kills and the
parts whose send was unknown at a restart (the journal's count), against a run of the same
length without kills in the same process as the baseline.
"""

from __future__ import annotations

import os
import random
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.soak import Stream
from storage.db import Database
from tests.support.cluster import Cluster
from tests.support.db import postgres_db

# Five kills per backend keep ``make bench`` near ten minutes on two cores (a restart under
# load takes 10-20 s); the figures are counts (lost, duplicates, unknown at restart) over those
# kills. LIUFANG_KILLS=40 for the long run.
KILLS = int(os.environ.get("LIUFANG_KILLS", "5"))


def _loop(cluster: Cluster, db: Database, kills: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    node = cluster.start("n0")
    cluster.wait(node, "leader")
    stream = Stream(cluster, interval=0.1)
    feeder = threading.Thread(target=stream.run, daemon=True)
    feeder.start()
    for i in range(kills):
        time.sleep(rng.uniform(2.0, 5.0))
        cluster.kill(node)
        node = cluster.start(f"n{i + 1}")
        cluster.wait(node, "leader", timeout=90)
    time.sleep(3)
    stream.stop.set()
    feeder.join(90)
    time.sleep(4)  # the last cards go out
    with db.engine.connect() as conn:
        tickets = {int(r[0]) for r in conn.execute(text("SELECT id FROM tickets")).all()}
        undelivered = conn.execute(
            text("SELECT count(*) FROM outbox WHERE delivered_at IS NULL")
        ).scalar_one()
    sent = Counter((m["room"], m["to"], m["text"]) for m in cluster.sent())
    accepted = [p for p in stream.posted if p.ticket is not None]
    carded = {
        int(line[2:].split(" ", 1)[0])
        for (_, _, t) in sent
        for line in t.splitlines()
        if line.startswith("【T") and line[2:3].isdigit()
    }
    unknown = sum(_unknown_count(n.log) for n in cluster.nodes)
    return {
        "reports": float(len(stream.posted)),
        "lost": float(
            sum(1 for p in accepted if p.ticket not in tickets or p.ticket not in carded)
        ),
        "undelivered": float(undelivered),
        "duplicate_sends": float(sum(n - 1 for n in sent.values() if n > 1)),
        "unknown_at_restart": float(unknown),
        "kills": float(kills),
    }


def _unknown_count(log: Path) -> int:
    """Parts a restart found handed over with no answer (the sender logs them)."""
    total = 0
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if "send unknown" in line:
            total += int(line.rsplit("send unknown: ", 1)[1].split()[0])
    return total


def _backend(name: str, kills: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        if name == "sqlite":
            db = Database(f"sqlite:///{directory / 'db' / 'liufang.db'}")
            cluster = Cluster(directory, db.url)
            try:
                return _loop(cluster, db, kills, seed=1)
            finally:
                cluster.stop_all()
                db.dispose()
        url = (
            os.environ.get("LIUFANG_TEST_POSTGRES_URL")
            or "postgresql://postgres@127.0.0.1:5432/test"
        )
        try:
            context = postgres_db(url, upgrade=False)
            pg: Any = context.__enter__()
        except Exception as exc:
            print(f"   PostgreSQL skipped: {type(exc).__name__}")
            return {}
        # The tests' short lease (6 s, as on SQLite): the loop counts duplicate sends, which do
        # not depend on the lease; the soak measures takeovers with the shipped 15 s lease.
        cluster = Cluster(directory, pg.url)
        try:
            return _loop(cluster, pg, kills, seed=2)
        finally:
            cluster.stop_all()
            context.__exit__(None, None, None)


def kill_loop() -> dict[str, float]:
    """The loop on both backends; duplicates per 100 kills."""
    figures: dict[str, float] = {}
    for name in ("sqlite", "postgres"):
        result = _backend(name, KILLS)
        for key, value in result.items():
            figures[f"killloop_{name}_{key}"] = value
        if result:
            figures[f"killloop_{name}_duplicates_per_100_kills"] = (
                100 * result["duplicate_sends"] / max(1.0, result["kills"])
            )
    return figures
