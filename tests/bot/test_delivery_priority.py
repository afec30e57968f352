"""Priority sending: urgent rows jump every room's queue, within the rate limits."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.delivery.ratelimit import RateLimits
from storage.db import Database
from tests.bot.test_delivery import LIMITS, ROOM_B, ROOMS, TOPIC_A, TOPIC_B, Rig
from tests.support.harness import SHANGHAI


def _max_in_any_minute(rig: Rig, room: str | None = None) -> int:
    times = [
        t for t, r in zip(rig.channel.times, rig.channel.rooms, strict=True) if room in (None, r)
    ]
    return max(sum(1 for t in times if s <= t < s + timedelta(minutes=1)) for s in times)


async def test_an_alert_behind_a_thousand_routine_rows_is_the_next_message(
    sqlite_database: Database,
) -> None:
    rig = Rig(sqlite_database)
    for i in range(1000):
        rig.put(f"闲聊{i}")
    assert await rig.sender.flush() == 5  # the room's routine share of this minute
    rig.put("【急事】3栋燃气泄漏", urgent=True, mention_ids=["wx-mt-zhang"])
    assert await rig.sender.flush() == 1  # the reserved send: no waiting for the minute
    assert rig.channel.sent[-1] == f"[{TOPIC_A}] @张经理 【急事】3栋燃气泄漏"
    assert await rig.sender.flush() == 0  # and the routine rows still wait their turn
    assert _max_in_any_minute(rig) == 6  # the room's limit holds, alert included


async def test_urgent_rows_go_first_and_each_priority_keeps_its_order(
    sqlite_database: Database,
) -> None:
    rig = Rig(sqlite_database)
    for text, urgent in [("R1", False), ("U1", True), ("R2", False), ("U2", True), ("R3", False)]:
        rig.put(text, urgent=urgent)
    await rig.drain()
    assert [s.removeprefix(f"[{TOPIC_A}] ") for s in rig.channel.sent] == [
        "U1",
        "U2",
        "R1",
        "R2",
        "R3",
    ]


async def test_urgent_follow_ups_are_not_merged_with_routine_ones(
    sqlite_database: Database,
) -> None:
    rig = Rig(sqlite_database)
    rig.put("催办：T3 路灯", kind="followup")
    rig.put("急事再提醒：T5", kind="followup", urgent=True)
    rig.put("超期：T4 垃圾", kind="followup")
    rig.put("急事升级：T6", kind="followup", urgent=True)
    assert await rig.sender.flush() == 4
    assert rig.channel.sent == [
        f"[{TOPIC_A}] 急事再提醒：T5\n\n急事升级：T6",
        f"[{TOPIC_A}] 催办：T3 路灯\n\n超期：T4 垃圾",
    ]


async def test_routine_traffic_everywhere_leaves_room_for_an_alert(
    sqlite_database: Database,
) -> None:
    rig = Rig(sqlite_database)
    for i in range(50):
        for room in ROOMS:
            rig.put(f"{room}:{i}", room=room)
    assert await rig.sender.flush() == 17  # the global routine share
    rig.clock.advance(seconds=5)
    rig.put("【急事】电梯困人", room=ROOM_B, urgent=True)
    assert await rig.sender.flush() == 1
    assert rig.channel.sent[-1] == f"[{TOPIC_B}] 【急事】电梯困人"
    await rig.drain()
    assert _max_in_any_minute(rig) <= LIMITS.global_per_minute
    for room in ROOMS:
        assert _max_in_any_minute(rig, room) <= LIMITS.per_room_per_minute


async def test_alerts_beyond_the_reserve_wait_for_the_limit(sqlite_database: Database) -> None:
    rig = Rig(sqlite_database)
    for i in range(8):
        rig.put(f"急{i}", urgent=True)
    assert await rig.sender.flush() == 6  # urgent rows may use the whole minute, no more
    rig.clock.advance(seconds=59)
    assert await rig.sender.flush() == 0
    rig.clock.advance(seconds=1)
    assert await rig.sender.flush() == 2


def test_a_reserve_never_takes_routine_traffic_s_last_send() -> None:
    now = datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)
    limits = RateLimits(1, 1, reserve_room=1, reserve_global=5)
    assert limits.free("room:a", now)  # capped: a limit of one still lets routine rows go
    limits.record("room:a", now)
    assert not limits.free("room:a", now, urgent=True)


async def test_merging_never_calls_more_than_twenty_people(sqlite_database: Database) -> None:
    rig = Rig(sqlite_database)
    people = [f"wx-resident-{i}" for i in range(30)]
    rig.put("T1 已办结，请评价", kind="followup", mention_ids=people[:20])
    rig.put("（接上条）T1", kind="followup", mention_ids=people[20:])
    rig.put("催办：T3", kind="followup")
    assert await rig.sender.flush() == 3
    assert len(rig.channel.sent) == 2  # the second call is its own message (催办 joins it)
    assert rig.channel.sent[1].endswith("（接上条）T1\n\n催办：T3")
