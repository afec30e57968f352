"""The outbox sender: rate limits, splitting long texts, retries with backoff, holding order."""

from __future__ import annotations

import io
import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.channels.console import ConsoleChannel
from bot.config import load_settings
from bot.config_sections import DeliverySettings
from bot.delivery import OutboxSender, backoff
from handlers.policy import FollowUpRules
from storage import outbox
from storage.db import Database
from storage.models import OutboxMessage
from tests.support.harness import EXAMPLE_CONFIG, CapturingChannel, FakeClock

SETTINGS = load_settings(EXAMPLE_CONFIG, env={})
ROOM_A, TOPIC_A = "room-maotang-6p", "毛塘路社区六方议事群"
ROOM_B, TOPIC_B = "room-maotang-g1", "毛塘路1网格"
ROOMS = ("room-maotang-g1", "room-maotang-g2", "room-maotang-g3", "room-guihua-6p")
LIMITS = DeliverySettings(per_room_per_minute=6, global_per_minute=20, max_message_chars=1500)


@dataclass
class TimedChannel(CapturingChannel):
    """A capturing channel that notes when each message went and fails the chosen calls."""

    clock: FakeClock | None = None
    times: list[datetime] = field(default_factory=list)
    rooms: list[str] = field(default_factory=list)
    fail_calls: set[int] = field(default_factory=set)  # 1-based numbers of say calls to fail
    calls: int = 0
    max_text_chars: int | None = None

    async def say(self, room_id: str, text: str, mention_ids: Sequence[str] = ()) -> None:
        """Record like CapturingChannel, plus the time and room; fail when told to."""
        self.calls += 1
        if self.calls in self.fail_calls:
            raise ConnectionError(f"call {self.calls} refused")
        await super().say(room_id, text, mention_ids)
        assert self.clock is not None
        self.times.append(self.clock())
        self.rooms.append(room_id)


class Rig:
    """A sender over a real database, a timed capturing channel and a fake clock."""

    def __init__(
        self,
        db: Database,
        delivery: DeliverySettings | None = LIMITS,
        quiet: FollowUpRules | None = None,
        clock: FakeClock | None = None,
        batch: int = 100,
    ) -> None:
        self.db = db
        self.clock = clock or FakeClock()
        self.channel = TimedChannel(ConsoleChannel(SETTINGS, self.clock), clock=self.clock)
        self.delivery, self.quiet, self.batch = delivery, quiet, batch
        self.sender = self.restart()

    def restart(self) -> OutboxSender:
        """A fresh sender (empty memory) on the same database, channel and clock."""
        self.sender = OutboxSender(
            self.db, self.channel, self.clock, self.batch, delivery=self.delivery, quiet=self.quiet
        )
        return self.sender

    def put(self, text: str, room: str | None = ROOM_A, **kwargs: object) -> int:
        """Enqueue and commit one message now; returns its id."""
        fields: dict = {"to_id": None, "mention_ids": (), **kwargs}
        with self.db.session() as session:
            row = outbox.enqueue(session, room_id=room, text=text, now=self.clock(), **fields)
            session.commit()
            assert row.id is not None
            return row.id

    def pending(self) -> list[OutboxMessage]:
        """Rows not yet delivered."""
        with self.db.session() as session:
            return outbox.pending(session)

    def row(self, msg_id: int) -> OutboxMessage:
        """One row as stored."""
        with self.db.session() as session:
            row = session.get(OutboxMessage, msg_id)
            assert row is not None
            return row

    async def drain(self, step: timedelta = timedelta(seconds=5), steps: int = 2000) -> int:
        """Flush and move the clock on until nothing is pending; returns rows delivered."""
        delivered = 0
        for _ in range(steps):
            delivered += await self.sender.flush()
            if not self.pending():
                return delivered
            self.clock.advance(seconds=step.total_seconds())
        raise AssertionError("the outbox never drained")


def _max_in_any_minute(times: list[datetime]) -> int:
    """The most sends that fell inside any one-minute window."""
    return max(
        sum(1 for t in times if start <= t < start + timedelta(minutes=1)) for start in times
    )


async def test_thirty_rows_to_one_room_respect_the_room_limit(sqlite_database: Database) -> None:
    rig = Rig(sqlite_database)
    for i in range(30):
        rig.put(f"消息{i}")
    # Routine rows use 5 of the room's 6 a minute: one is kept for an urgent message.
    assert await rig.sender.flush() == 5
    assert await rig.sender.flush() == 0  # the room's minute is used up; nothing dropped
    assert len(rig.pending()) == 25
    assert await rig.drain() == 25
    assert rig.channel.sent == [f"[{TOPIC_A}] 消息{i}" for i in range(30)]
    assert _max_in_any_minute(rig.channel.times) == 5
    assert rig.channel.times[-1] - rig.channel.times[0] >= timedelta(minutes=5)


async def test_global_limit_holds_across_rooms(sqlite_database: Database) -> None:
    rig = Rig(sqlite_database)
    for i in range(10):
        for room in ROOMS:
            rig.put(f"{room}:{i}", room=room)
    assert await rig.sender.flush() == 17  # 3 of the 20 a minute are kept for urgent ones
    await rig.drain()
    assert len(rig.channel.sent) == 40
    assert _max_in_any_minute(rig.channel.times) == 17
    for room in ROOMS:
        times = [t for t, r in zip(rig.channel.times, rig.channel.rooms, strict=True) if r == room]
        assert _max_in_any_minute(times) <= 5
        texts = [s.split("] ", 1)[1] for s in rig.channel.sent if room in s]
        assert texts == [f"{room}:{i}" for i in range(10)]  # in order within each room


async def test_a_busy_room_does_not_hide_other_rooms(sqlite_database: Database) -> None:
    rig = Rig(sqlite_database, batch=10)
    for i in range(30):
        rig.put(f"A{i}")
    rig.put("B0", room=ROOM_B)
    private = rig.put("私信", room=None, to_id="wx-mt-liu")
    assert await rig.sender.flush() == 7
    assert f"[{TOPIC_B}] B0" in rig.channel.sent and "[私聊→刘阿姨] 私信" in rig.channel.sent
    assert rig.row(private).delivered_at is not None


async def test_console_is_not_rate_limited(sqlite_database: Database) -> None:
    clock = FakeClock()
    console = ConsoleChannel(SETTINGS, clock, stdout=io.StringIO())
    sender = OutboxSender(sqlite_database, console, clock, delivery=LIMITS)
    rig = Rig(sqlite_database, clock=clock)
    for i in range(30):
        rig.put(f"消息{i}")
    assert await sender.flush() == 30


async def test_long_text_goes_in_three_parts_in_order(sqlite_database: Database) -> None:
    rig = Rig(sqlite_database)
    text = "\n".join(f"第{i:03d}行" + "内容" * 22 for i in range(80))
    assert 3900 < len(text) <= 4000
    rig.put(text, mention_ids=["wx-mt-wang"])
    assert await rig.sender.flush() == 1
    parts = [s.removeprefix(f"[{TOPIC_A}] ") for s in rig.channel.sent]
    assert len(parts) == 3
    assert parts[0].startswith("@王书记 第000行") and parts[1].startswith("第")  # @ once
    assert "\n".join(parts).removeprefix("@王书记 ") == text
    assert all(len(p) <= 1500 for p in parts[1:])


async def test_failure_on_part_two_resends_only_parts_two_and_three(
    database: Database,
) -> None:
    rig = Rig(database)
    text = "\n".join(f"第{i:03d}行" + "内容" * 22 for i in range(80))
    msg_id = rig.put(text)
    rig.channel.fail_calls = {2}
    assert await rig.sender.flush() == 0
    assert len(rig.channel.sent) == 1
    row = rig.row(msg_id)
    assert row.attempts == 1 and row.delivered_at is None
    assert text[: row.sent_chars].rstrip("\n") == rig.channel.sent[0].removeprefix(f"[{TOPIC_A}] ")
    rig.clock.advance(seconds=1)
    assert await rig.sender.flush() == 0  # waits for its retry
    rig.clock.advance(seconds=1)
    assert await rig.sender.flush() == 1
    assert len(rig.channel.sent) == 3
    assert "\n".join(s.removeprefix(f"[{TOPIC_A}] ") for s in rig.channel.sent) == text
    assert Counter(rig.channel.sent).most_common(1)[0][1] == 1


async def test_a_part_counts_against_the_rate_limit(sqlite_database: Database) -> None:
    limits = DeliverySettings(per_room_per_minute=2, urgent_reserve_per_room=0)
    rig = Rig(sqlite_database, delivery=limits)
    msg_id = rig.put("甲" * 1000 + "\n" + "乙" * 1000 + "\n" + "丙" * 1000)
    assert await rig.sender.flush() == 0
    assert len(rig.channel.sent) == 2 and rig.row(msg_id).sent_chars == 2002
    rig.clock.advance(minutes=1)
    assert await rig.sender.flush() == 1
    assert rig.channel.sent[-1].endswith("丙" * 1000)


async def test_channel_limit_is_respected(sqlite_database: Database) -> None:
    rig = Rig(sqlite_database)
    rig.channel.max_text_chars = 120
    rig.restart()
    assert rig.sender.max_chars == 120
    rig.put("字" * 300)
    await rig.drain()
    assert [len(s.removeprefix(f"[{TOPIC_A}] ")) for s in rig.channel.sent] == [120, 120, 60]


def test_backoff_grows_and_caps() -> None:
    cap = timedelta(minutes=10)
    delays = [backoff(n, cap) for n in range(12)]
    assert delays[:4] == [timedelta(seconds=s) for s in (2, 4, 8, 16)]
    assert all(a <= b for a, b in itertools.pairwise(delays))
    assert delays[-1] == cap and max(delays) == cap
    assert backoff(10_000, cap) == cap


async def test_retries_back_off_until_the_cap(sqlite_database: Database) -> None:
    rig = Rig(sqlite_database, delivery=DeliverySettings(retry_max_minutes=1))
    msg_id = rig.put("重要通知")
    rig.channel.fail = True
    waits = []
    for _ in range(8):
        assert await rig.sender.flush() == 0
        row = rig.row(msg_id)
        waits.append(row.not_before - rig.clock())
        rig.clock.now = row.not_before
    assert [w.total_seconds() for w in waits] == [2, 4, 8, 16, 32, 60, 60, 60]
    rig.channel.fail = False
    assert await rig.sender.flush() == 1
    assert rig.channel.sent == [f"[{TOPIC_A}] 重要通知"]
    assert rig.row(msg_id).attempts == 8


async def test_a_failed_room_holds_later_rows_until_its_retry(sqlite_database: Database) -> None:
    rig = Rig(sqlite_database)
    rig.put("先")
    rig.channel.fail_calls = {1}
    assert await rig.sender.flush() == 0
    rig.put("后")
    rig.put("别的群", room=ROOM_B)
    assert await rig.sender.flush() == 1  # the other room is not held
    rig.clock.advance(seconds=2)
    assert await rig.sender.flush() == 2
    assert rig.channel.sent == [f"[{TOPIC_B}] 别的群", f"[{TOPIC_A}] 先", f"[{TOPIC_A}] 后"]
