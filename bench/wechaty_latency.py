"""Issue 5 benchmark: a room message's way through the real Wechaty classes and the whole bot.

Messages are injected into the in-memory puppet at a steady 50 a second, each from a new
resident in a grid group; the latency of one is the time until the puppet captures the
``message_send_text`` that @-mentions its sender (the receipt), with the ticket written and
the outbox row delivered on the way. A second run injects a burst at once for throughput.
The same-run baseline is an echo handler on the same Wechaty channel and in-memory puppet
(no database, no classifier): what the WeChat classes themselves cost. The bot's overhead is
its latency less the time the dispatcher spent on the message (classify, ticket, follow-ups,
outbox rows, measured per message): the way in through Wechaty, the queue, the outbox read
and the send, against the echo's way in and out.
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
from bot.config_sections import DeliverySettings
from handlers.events import Inbound, Reply
from handlers.understanding import Understanding
from tests.support.puppet import InMemoryPuppet, Sent

REPO = Path(__file__).resolve().parents[1]
GRID_ROOMS = ("room-maotang-g1", "room-maotang-g2", "room-guihua-g1", "room-guihua-g2")


class Run:
    """An in-memory WeChat, with the time each sender's first reply went out."""

    def __init__(self, settings: Settings) -> None:
        self.puppet = InMemoryPuppet(bot_name=settings.bot_name, logged_in=True)
        for community in settings.communities:
            for g in community.groups:
                self.puppet.add_room(g.room_id, g.topic, [m.id for m in community.members])
        self.answered: dict[str, float] = {}
        self.puppet.on_send = self._sent
        self.clock = system_clock(settings)
        self.channel = WechatyChannel(settings, self.clock, lambda: self.puppet, out=io.StringIO())
        self.texts = [f"报事 {t}" for t in generate(2000, seed=23)]
        self.count = 0
        self.overhead: list[float] = []

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

    async def paced(
        self, n: int, rate: float, handling: dict[str, float] | None = None
    ) -> list[float]:
        """Seconds from injection to reply of ``n`` messages at ``rate`` a second, sorted;
        with ``handling`` (seconds the handler took, by sender), :attr:`overhead` is set to
        each latency less its handling."""
        while not self.channel.events.online:
            await asyncio.sleep(0.01)
        await self.answered_all([self.inject()[0] for _ in range(20)])  # warm-up
        injected: dict[str, float] = {}
        start = time.perf_counter()
        for i in range(n):
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
            sender, at = self.inject()
            injected[sender] = at
        await self.answered_all(list(injected))
        if handling is not None:
            self.overhead = [self.answered[s] - at - handling[s] for s, at in injected.items()]
        return sorted(self.answered[s] - at for s, at in injected.items())

    async def burst(self, n: int) -> float:
        """Messages a second for ``n`` injected at once."""
        start = time.perf_counter()
        await self.answered_all([self.inject()[0] for _ in range(n)])
        return n / (time.perf_counter() - start)


def _settings(folder: str) -> Settings:
    settings = load_settings(
        REPO / "config.example.toml", env={"LIUFANG_DATABASE_URL": f"sqlite:///{folder}/bench.db"}
    )
    # The shipped limits pace delivery on purpose and would measure nothing else.
    return dataclasses.replace(
        settings, delivery=DeliverySettings(per_room_per_minute=10**6, global_per_minute=10**6)
    )


async def _bot(n: int, rate: float, burst: int) -> tuple[list[float], list[float], float]:
    """The whole bot: classify, ticket, outbox, sender. Also the latencies less the time the
    dispatcher spent on each message (the overhead around the handling itself)."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = _settings(tmp)
        run = Run(settings)
        app = App(settings, run.channel, clock=run.clock, nlp=Understanding.load())
        handling: dict[str, float] = {}
        process_sync = app.dispatcher.process_sync

        def timed(event: Inbound) -> list[Reply]:
            start = time.perf_counter()
            try:
                return process_sync(event)
            finally:
                handling[event.sender_id] = time.perf_counter() - start

        app.dispatcher.process_sync = timed  # type: ignore[method-assign]
        reset_pools()
        await app.start()
        try:
            latencies = await run.paced(n, rate, handling)
            overhead = sorted(run.overhead)
            return latencies, overhead, await run.burst(burst)
        finally:
            await app.stop()
            reset_pools()


async def _echo(n: int, rate: float, burst: int) -> tuple[list[float], float]:
    """The baseline: the same Wechaty channel and puppet, a handler that only answers."""
    with tempfile.TemporaryDirectory() as tmp:
        run = Run(_settings(tmp))
        channel = run.channel

        async def echo(inbound: Inbound) -> None:
            await channel.say(inbound.room_id, "收到", mention_ids=[inbound.sender_id])

        reset_pools()
        await channel.start(echo)
        try:
            return await run.paced(n, rate), await run.burst(burst)
        finally:
            await channel.stop()
            reset_pools()


def _p99(latencies: list[float]) -> float:
    return 1000 * latencies[int(0.99 * (len(latencies) - 1))]


def wechaty_latency(n: int = 500, rate: float = 50.0, burst: int = 300) -> dict[str, float]:
    """p50/p99 reply latency at ``rate`` messages/s and messages/s for a burst, of the bot and
    of an echo handler through the same Wechaty class and in-memory puppet."""
    echo, echo_rate = asyncio.run(_echo(n, rate, burst))
    latencies, overhead, bot_rate = asyncio.run(_bot(n, rate, burst))
    return {
        "wechat_msgs_per_s": bot_rate,
        "wechat_p50_ms": 1000 * statistics.median(latencies),
        "wechat_p99_ms": _p99(latencies),
        "wechat_max_ms": 1000 * latencies[-1],
        "wechat_overhead_p50_ms": 1000 * statistics.median(overhead),
        "wechat_overhead_p99_ms": _p99(overhead),
        "wechat_paced_per_s": rate,
        "wechat_echo_msgs_per_s": echo_rate,
        "wechat_echo_p50_ms": 1000 * statistics.median(echo),
        "wechat_echo_p99_ms": _p99(echo),
    }


if __name__ == "__main__":
    for key, value in wechaty_latency().items():
        print(f"{key:24} {value:10.2f}")
