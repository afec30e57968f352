"""Issue 5 benchmark: a room message's way through the real Wechaty classes and the whole bot.

Messages are injected into the in-memory puppet at a steady 50 a second, each from a new
resident in a grid group; the latency of one is the time until the puppet captures the
``message_send_text`` that @-mentions its sender (the receipt), with the ticket written and
the outbox row delivered on the way. A second run injects a burst at once for throughput.
The configured sending limits (a few messages per room per minute, to protect a real
account) are lifted here: they pace delivery on purpose and would measure nothing else.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import statistics
import tempfile
import time
from pathlib import Path

from bench.messages import generate
from bot.app import App, system_clock
from bot.channels.wechaty import WechatyChannel, reset_pools
from bot.config import Settings, load_settings
from bot.config_rules import DeliverySettings
from handlers.understanding import Understanding
from tests.support.puppet import InMemoryPuppet, Sent

REPO = Path(__file__).resolve().parents[1]
GRID_ROOMS = ("room-maotang-g1", "room-maotang-g2", "room-guihua-g1", "room-guihua-g2")


class Run:
    """The bot on an in-memory WeChat, with the time each sender's first reply went out."""

    def __init__(self, settings: Settings) -> None:
        self.puppet = InMemoryPuppet(bot_name=settings.bot_name, logged_in=True)
        for community in settings.communities:
            for g in community.groups:
                self.puppet.add_room(g.room_id, g.topic, [m.id for m in community.members])
        self.answered: dict[str, float] = {}
        self.puppet.on_send = self._sent
        clock = system_clock(settings)
        channel = WechatyChannel(settings, clock, lambda: self.puppet, out=io.StringIO())
        self.app = App(settings, channel, clock=clock, nlp=Understanding.load())
        self.texts = [f"报事 {t}" for t in generate(2000, seed=23)]
        self.count = 0

    def _sent(self, sent: Sent) -> None:
        for contact_id in sent.mention_ids:
            self.answered.setdefault(contact_id, sent.at)

    def inject(self) -> tuple[str, float]:
        """One resident reports in a grid group; returns (their id, when it was injected)."""
        i = self.count = self.count + 1
        sender = f"wxid_bench_{i}"
        self.puppet.add_contact(sender, f"居民{i}")
        at = time.perf_counter()
        self.puppet.say(GRID_ROOMS[i % len(GRID_ROOMS)], sender, self.texts[i % len(self.texts)])
        return sender, at

    async def answered_all(self, senders: list[str], timeout: float = 60.0) -> None:
        """Wait until every sender got their reply."""
        deadline = time.perf_counter() + timeout
        while any(s not in self.answered for s in senders):
            if time.perf_counter() > deadline:
                missing = sum(s not in self.answered for s in senders)
                raise RuntimeError(f"{missing} of {len(senders)} messages got no reply")
            await asyncio.sleep(0.002)


async def _measure(n: int, rate: float, burst: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            REPO / "config.example.toml",
            env={"LIUFANG_DATABASE_URL": f"sqlite:///{tmp}/bench.db"},
        )
        settings = dataclasses.replace(
            settings,
            delivery=DeliverySettings(per_room_per_minute=10**6, global_per_minute=10**6),
        )
        run = Run(settings)
        reset_pools()
        await run.app.start()
        try:
            while not run.app.channel.events.online:  # type: ignore[attr-defined]
                await asyncio.sleep(0.01)
            await run.answered_all([run.inject()[0] for _ in range(20)])  # warm-up
            injected: dict[str, float] = {}
            start = time.perf_counter()
            for i in range(n):
                await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
                sender, at = run.inject()
                injected[sender] = at
            await run.answered_all(list(injected))
            latencies = sorted(run.answered[s] - at for s, at in injected.items())
            start = time.perf_counter()
            senders = [run.inject()[0] for _ in range(burst)]
            await run.answered_all(senders)
            elapsed = time.perf_counter() - start
        finally:
            await run.app.stop()
            reset_pools()
    return {
        "wechat_msgs_per_s": burst / elapsed,
        "wechat_p50_ms": 1000 * statistics.median(latencies),
        "wechat_p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "wechat_max_ms": 1000 * latencies[-1],
        "wechat_paced_per_s": rate,
    }


def wechaty_latency(n: int = 500, rate: float = 50.0, burst: int = 300) -> dict[str, float]:
    """p50/p99 reply latency at ``rate`` messages/s, and messages/s for a burst."""
    return asyncio.run(_measure(n, rate, burst))


if __name__ == "__main__":
    for key, value in wechaty_latency().items():
        print(f"{key:24} {value:10.2f}")
