"""Issue 2 benchmarks: classify vs raw jieba, intake to SQLite, cold start of classify."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jieba

from bench.messages import generate
from bot.app import build_dispatcher, open_database
from bot.config import load_settings
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


def classify_vs_jieba(n: int = 5000) -> dict[str, float]:
    """Messages/s of our classifier and of raw ``jieba.lcut`` on the same messages."""
    messages = generate(n)
    nlp = Understanding.load()
    jieba.setLogLevel(60)
    jieba.initialize()
    nlp.classify(messages[0])
    ours = _rate(nlp.classify, messages)
    raw = _rate(jieba.lcut, messages)
    return {"classify_msgs_per_s": ours, "jieba_lcut_msgs_per_s": raw, "ratio": ours / raw}


def intake_sqlite(n: int = 3000) -> dict[str, float]:
    """Messages/s through the dispatcher with tickets persisted to a fresh SQLite file."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            REPO / "config.example.toml",
            env={"LIUFANG_DATABASE_URL": f"sqlite:///{tmp}/bench.db"},
        )
        tz = ZoneInfo("Asia/Shanghai")
        now = datetime(2026, 11, 26, 9, 0, tzinfo=tz)
        db = open_database(settings)
        dispatcher = build_dispatcher(settings, db, lambda: now, Understanding.load())
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
        start = time.perf_counter()
        replies = sum(len(dispatcher.process_sync(ev)) for ev in events)
        elapsed = time.perf_counter() - start
        db.dispose()
    return {"intake_msgs_per_s": n / elapsed, "tickets_filed": replies}


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
