"""A room whose sends fail forever: bounded retries, then a dead letter and an alert; other
rooms and the room's later rows are not held behind it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.channels.base import ChannelStatus
from bot.channels.console import ConsoleChannel
from bot.config import load_settings
from bot.delivery import OutboxSender
from bot.delivery.deadletter import DeadLetter, Strikes
from storage import outbox
from storage.db import Database
from storage.models import OutboxMessage
from tests.support.harness import EXAMPLE_CONFIG, CapturingChannel, FakeClock

SETTINGS = load_settings(EXAMPLE_CONFIG, env={})
GONE, OTHER = "room-maotang-g1", "room-maotang-g2"  # the bot was removed from GONE


@dataclass
class OneRoomRefuses(CapturingChannel):
    """Sends everywhere but to ``refused``; ``up`` is what its status says."""

    refused: set[str] = field(default_factory=lambda: {GONE})
    up: bool = True
    tries: dict[str, int] = field(default_factory=dict)

    async def say(self, room_id: str, text: str, mention_ids: Sequence[str] = ()) -> None:
        """Refuse the chosen rooms (every time); record the others."""
        self.tries[room_id] = self.tries.get(room_id, 0) + 1
        if room_id in self.refused or not self.up:
            raise ConnectionError(f"not a member of {room_id}")
        await super().say(room_id, text, mention_ids)

    def status(self) -> ChannelStatus:
        """Logged in while ``up``."""
        return ChannelStatus(kind="fake", logged_in=self.up)


class Rig:
    """A sender with a dead-letter limit of 3 over a real database and a fake clock."""

    def __init__(self, db: Database) -> None:
        self.db, self.clock = db, FakeClock()
        self.channel = OneRoomRefuses(ConsoleChannel(SETTINGS, self.clock))
        self.sender = OutboxSender(db, self.channel, self.clock, strikes=Strikes(3))
        self.letters: list[DeadLetter] = []

        async def collect(letter: DeadLetter) -> None:
            self.letters.append(letter)

        self.sender.on_dead_letter = collect

    def put(self, text: str, room: str) -> int:
        """Queue one row for ``room`` now; its id."""
        with self.db.session() as s:
            row = outbox.enqueue(
                s, room_id=room, to_id=None, text=text, mention_ids=(), now=self.clock()
            )
            s.commit()
            assert row.id is not None
            return row.id

    async def rounds(self, n: int) -> None:
        """Flush ``n`` times, each after the longest backoff has passed."""
        for _ in range(n):
            await self.sender.flush()
            self.clock.advance(minutes=11)

    def row(self, row_id: int) -> OutboxMessage:
        """The stored row."""
        with self.db.session() as s:
            found = s.get(OutboxMessage, row_id)
            assert found is not None
            return found


async def test_a_room_that_refuses_everything_is_given_up_on_and_alerted_once(
    database: Database,
) -> None:
    rig = Rig(database)
    first, second = rig.put("第一条", GONE), rig.put("第二条", GONE)
    other = rig.put("别的群", OTHER)

    await rig.rounds(1)
    assert rig.row(other).delivered_at is not None  # the other room never waited
    assert rig.row(first).dead_at is None and rig.channel.tries[GONE] == 1  # second held

    await rig.rounds(2)  # failures 2 and 3: given up on
    assert rig.row(first).dead_at is not None and rig.row(first).attempts == 3
    assert rig.row(second).dead_at is None  # not dragged down with it
    await rig.rounds(1)  # the room's next row gets one try, and is given up on at once
    assert rig.row(second).dead_at is not None
    assert rig.channel.tries[GONE] == 4

    assert [(d.key, d.row_ids, d.first) for d in rig.letters] == [
        (f"room:{GONE}", (first,), True),
        (f"room:{GONE}", (second,), False),
    ]
    with database.session() as s:
        assert outbox.pending(s) == []
        assert [r.id for r in outbox.dead_letters(s)] == [second, first]
    # Nothing is retried any more; a later row for another room goes at once.
    later = rig.put("后来的", OTHER)
    await rig.rounds(3)
    assert rig.channel.tries[GONE] == 4 and rig.row(later).delivered_at is not None


async def test_a_room_that_comes_back_starts_counting_again(database: Database) -> None:
    rig = Rig(database)
    row = rig.put("第一条", GONE)
    await rig.rounds(2)
    rig.channel.refused.clear()  # the bot was added back before the limit
    await rig.rounds(1)
    assert rig.row(row).delivered_at is not None and rig.letters == []

    rig.channel.refused.add(GONE)
    again = rig.put("第二条", GONE)
    await rig.rounds(2)
    assert rig.row(again).dead_at is None  # two failures since the success: under the limit
    await rig.rounds(1)
    assert rig.row(again).dead_at is not None and [d.first for d in rig.letters] == [True]


async def test_nothing_is_given_up_while_the_channel_itself_is_down(database: Database) -> None:
    rig = Rig(database)
    rig.channel.up = False  # WeChat offline: every room fails, and no room is to blame
    row = rig.put("掉线时的消息", OTHER)
    await rig.rounds(10)
    assert rig.row(row).dead_at is None and rig.row(row).attempts == 10
    assert rig.letters == []
    rig.channel.up = True
    await rig.rounds(1)
    assert rig.row(row).delivered_at is not None
