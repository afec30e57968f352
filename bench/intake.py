"""Issue 2 benchmarks: classify vs raw jieba, intake to SQLite, cold start of classify."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import jieba

from bench import intake_raw
from bench.messages import generate
from bot.app import build_dispatcher, freeze_startup_heap, open_database
from bot.config import Settings, load_settings
from handlers.events import Inbound
from handlers.understanding import Understanding

REPO = Path(__file__).resolve().parents[1]


def _rate(fn, items: list[str], rounds: int = 3) -> float:
    """Best-of-``rounds`` items per second of ``fn`` over ``items``."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for text in items:
            fn(text)
        best = min(best, time.perf_counter() - start)
    return len(items) / best


def classify_vs_jieba(n: int = 5000, rounds: int = 5) -> dict[str, float]:
    """Messages/s of our classifier and of raw ``jieba.lcut`` on the same messages.

    The two take turns, round by round, and each keeps its best round: on a shared machine a
    burst of load then falls on both alike instead of on whichever happened to run during it.
    """
    messages = generate(n)
    nlp = Understanding.load()
    jieba.setLogLevel(60)
    jieba.initialize()
    nlp.classify(messages[0])
    jieba.lcut(messages[0])
    ours = raw = 0.0
    for _ in range(rounds):
        ours = max(ours, _rate(nlp.classify, messages, rounds=1))
        raw = max(raw, _rate(jieba.lcut, messages, rounds=1))
    return {"classify_msgs_per_s": ours, "jieba_lcut_msgs_per_s": raw, "ratio": ours / raw}


def _settings(path: Path) -> Settings:
    return load_settings(
        REPO / "config.example.toml", env={"LIUFANG_DATABASE_URL": f"sqlite:///{path}"}
    )


def intake_sqlite(n: int = 2000) -> dict[str, float]:
    """Messages/s through the dispatcher with tickets persisted to a fresh SQLite file, and of
    the same rows inserted with plain sqlite3 (the baseline, :mod:`bench.intake_raw`)."""
    tz = ZoneInfo("Asia/Shanghai")
    now = datetime(2026, 11, 26, 9, 0, tzinfo=tz)
    nlp = Understanding.load()
    events = [
        Inbound(
            msg_id=f"bench-{i}",
            room_id="room-maotang-g1",
            room_topic="毛塘路1网格",
            sender_id="wx-mt-li",
            sender_name="李网格长",
            text=text,
            at=now,
        )
        for i, text in enumerate(generate(n, seed=11))
    ]
    with tempfile.TemporaryDirectory() as tmp:
        settings = _settings(Path(tmp) / "bench.db")
        db = open_database(settings)
        dispatcher = build_dispatcher(settings, db, lambda: now, nlp)
        messages = [partial(dispatcher.process_sync, ev) for ev in events]
        # As App.start does before it handles a message: what start-up loaded (jieba's
        # dictionary, the lexicon) is exempt from collection, so the full collections the
        # messages cause do not walk it, as they never do in the bot (bench/web.py and
        # bench/sweep.py do the same).
        freeze_startup_heap()
        # Timed per call; between calls, which rows each message wrote (for the baseline).
        writes, elapsed = intake_raw.record(Path(tmp) / "bench.db", messages)
        db.dispose()
        open_database(_settings(Path(tmp) / "raw.db")).dispose()  # the same schema, empty
        raw = intake_raw.insert(Path(tmp) / "raw.db", writes)
    tickets = sum(1 for w in writes for sql, _ in w if sql.startswith('INSERT INTO "tickets"'))
    return {
        "intake_msgs_per_s": n / elapsed,
        "intake_raw_msgs_per_s": n / raw,
        "intake_rows_per_msg": sum(len(r) for w in writes for _, r in w) / n,
        "tickets_filed": tickets,
    }


def classify_cold_start(runs: int = 3) -> dict[str, float]:
    """Seconds for a fresh ``liufang classify`` process to classify one message (median)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "classify"],
            input="3栋2单元门口的路灯坏了\n",
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        )
        times.append(time.perf_counter() - start)
    return {"classify_cold_start_s": statistics.median(times)}
