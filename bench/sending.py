"""Priority sending benchmark: an urgent alert in a room with 1,000 routine messages queued.

The real :class:`OutboxSender` runs on a SQLite outbox with the shipped ``[delivery]`` limits
(config.example.toml) and a simulated clock, flushing every two seconds as the app does. The
room's routine backlog has been going out for three minutes at the shipped rate when an
urgent alert is queued (and flushed at once, as the app flushes after each message); that is
repeated with the alert arriving at ten points of the sending minute.

An alert's latency is the simulated time it waited (what the limits impose) plus the real
time the flushes took until it went. The baseline, in the same run, is the same alert in an
empty outbox. Figures: ``sending_alert_latency_s`` (worst of the ten, target ≤ 10 s),
``sending_empty_latency_s``, ``sending_latency_ratio``, ``sending_alert_next`` (1 when the
alert was the very next message sent every time), and ``sending_as_routine_s``: the wait of
the same message queued as routine, the figure before priority sending.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import load_settings
from bot.delivery import OutboxSender
from storage import outbox
from storage.db import Database

REPO = Path(__file__).resolve().parents[1]
SETTINGS = load_settings(REPO / "config.example.toml", env={})
START = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ROOM = "room-maotang-g1"
BACKLOG = 1000
TICK = timedelta(seconds=2)  # the app's sender loop interval
ALERT = "【急事】3栋2单元燃气泄漏，请值班人员马上到场"


class _Clock:
    """A simulated clock the benchmark moves."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        """The simulated time."""
        return self.now


class _Channel:
    """A rate-limited channel that records what was sent and when (simulated)."""

    rate_limited = True

    def __init__(self, clock: _Clock) -> None:
        self.clock = clock
        self.sent: list[tuple[datetime, str]] = []

    async def say(self, room_id: str, text: str, mention_ids: Sequence[str] = ()) -> None:
        """Record the message."""
        self.sent.append((self.clock(), text))

    async def say_private(self, contact_id: str, text: str) -> None:
        """Record the message."""
        self.sent.append((self.clock(), text))


async def _latency(
    folder: Path, backlog: int, warm: timedelta, *, urgent: bool = True, tick: timedelta = TICK
) -> tuple[float, bool]:
    """(latency in seconds, whether the alert was the next message sent) for one run."""
    db = Database(f"sqlite:///{folder / 'outbox.db'}")
    db.upgrade()
    try:
        clock = _Clock()
        channel = _Channel(clock)
        sender = OutboxSender(
            db, channel, clock, delivery=SETTINGS.delivery, quiet=SETTINGS.followups
        )
        with db.session() as session:
            for i in range(backlog):
                outbox.enqueue(
                    session,
                    room_id=ROOM,
                    to_id=None,
                    text=f"已登记 T{i + 1}（小事·线上议）",
                    mention_ids=("wx-mt-li",),
                    now=clock(),
                    flush=False,
                )
            session.commit()
        while clock.now < START + warm:  # the backlog has been going out at the shipped rate
            await sender.flush()
            clock.now += tick
        with db.session() as session:
            outbox.enqueue(
                session,
                room_id=ROOM,
                to_id=None,
                text=ALERT,
                mention_ids=("wx-mt-zhang",),
                now=clock(),
                urgent=urgent,
            )
            session.commit()
        queued_at, before = clock(), len(channel.sent)
        busy = 0.0
        while True:
            t0 = time.perf_counter()
            await sender.flush()
            busy += time.perf_counter() - t0
            texts = [text for _, text in channel.sent[before:]]
            if ALERT in texts:
                at = channel.sent[before + texts.index(ALERT)][0]
                waited = (at - queued_at).total_seconds()
                return waited + busy, texts[0] == ALERT
            clock.now += tick
    finally:
        db.dispose()


def _run(backlog: int, warm: timedelta, **kwargs: object) -> tuple[float, bool]:
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(_latency(Path(tmp), backlog, warm, **kwargs))  # type: ignore[arg-type]


def sending_bench() -> dict[str, float]:
    """Alert latency under a 1,000-message backlog against an empty outbox, same run."""
    empty = min(_run(0, timedelta(0))[0] for _ in range(3))
    runs = [_run(BACKLOG, timedelta(minutes=3, seconds=6 * k)) for k in range(10)]
    worst = max(latency for latency, _ in runs)
    routine, _ = _run(BACKLOG, timedelta(minutes=3), urgent=False, tick=timedelta(seconds=30))
    return {
        "sending_alert_latency_s": worst,
        "sending_empty_latency_s": empty,
        "sending_latency_ratio": worst / empty,
        "sending_alert_next": float(all(first for _, first in runs)),
        "sending_as_routine_s": routine,
    }


if __name__ == "__main__":
    for key, value in sending_bench().items():
        print(f"{key:28} {value:12.3f}")
