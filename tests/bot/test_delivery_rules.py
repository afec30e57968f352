"""The sender's rules: follow-ups merged per room, replies never; quiet hours; restarts."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from bot.config_sections import DeliverySettings
from bot.delivery.plan import plan
from handlers.policy import FollowUpRules
from storage.db import Database
from storage.models import OutboxMessage
from tests.bot.test_delivery import LIMITS, ROOM_B, TOPIC_A, TOPIC_B, Rig
from tests.support.harness import SHANGHAI, FakeClock

QUIET = FollowUpRules()  # 22:00–07:30
EVENING = datetime(2026, 11, 26, 22, 30, tzinfo=SHANGHAI)


async def test_followups_for_one_room_become_one_message(database: Database) -> None:
    rig = Rig(database)
    rig.put("催办：T3 路灯", kind="followup", mention_ids=["wx-mt-zhang"])
    rig.put("超期：T5 垃圾", kind="followup", mention_ids=["wx-mt-wang", "wx-mt-zhang"])
    rig.put("网格提醒", room=ROOM_B, kind="followup")
    rig.put("回访：T7", kind="followup", mention_ids=["wx-mt-liu"])
    assert await rig.sender.flush() == 4
    assert rig.channel.sent == [
        f"[{TOPIC_A}] @张经理 @王书记 @刘阿姨 催办：T3 路灯\n\n超期：T5 垃圾\n\n回访：T7",
        f"[{TOPIC_B}] 网格提醒",
    ]
    assert all(r.delivered_at is not None for r in rig.pending()) and rig.pending() == []


async def test_replies_are_never_merged_and_order_is_kept(sqlite_database: Database) -> None:
    rig = Rig(sqlite_database)
    for text, kind in [("F1", "followup"), ("F2", "followup"), ("R1", "reply"), ("R2", "reply")]:
        rig.put(text, kind=kind)
    rig.put("F3", kind="followup")
    assert await rig.sender.flush() == 5
    body = [s.removeprefix(f"[{TOPIC_A}] ") for s in rig.channel.sent]
    assert body == ["F1\n\nF2", "R1", "R2", "F3"]


async def test_merging_respects_the_length_limit(sqlite_database: Database) -> None:
    rig = Rig(sqlite_database, delivery=DeliverySettings(max_message_chars=1500))
    for ch in "甲乙丙丁":
        rig.put(ch * 600, kind="followup")
    rig.put("戊" * 2000, kind="followup")  # too long to merge with anything: split alone
    rig.put("己", kind="followup")
    await rig.drain()
    body = [s.removeprefix(f"[{TOPIC_A}] ") for s in rig.channel.sent]
    assert [len(b) for b in body] == [1202, 1202, 1500, 500, 1]
    assert body[0] == "甲" * 600 + "\n\n" + "乙" * 600


async def test_a_merged_message_that_fails_is_retried_whole(sqlite_database: Database) -> None:
    rig = Rig(sqlite_database)
    ids = [rig.put(t, kind="followup") for t in ("一", "二")]
    rig.channel.fail = True
    assert await rig.sender.flush() == 0
    assert [rig.row(i).attempts for i in ids] == [1, 1]
    rig.channel.fail = False
    rig.clock.advance(seconds=2)
    assert await rig.sender.flush() == 2
    assert rig.channel.sent == [f"[{TOPIC_A}] 一\n\n二"]


async def test_quiet_hours_hold_non_urgent_followups_only(database: Database) -> None:
    rig = Rig(database, quiet=QUIET, clock=FakeClock(EVENING))
    later = rig.put("明早提醒：T3 期限", kind="followup")
    rig.put("紧急：T9 燃气泄漏，请立即到场", kind="followup", urgent=True)
    rig.put("收到，已登记为 T10", kind="reply")
    assert await rig.sender.flush() == 2
    assert rig.channel.sent == [
        f"[{TOPIC_A}] 紧急：T9 燃气泄漏，请立即到场",
        f"[{TOPIC_A}] 收到，已登记为 T10",
    ]
    morning = datetime(2026, 11, 27, 7, 30, tzinfo=SHANGHAI)
    row = rig.row(later)
    assert row.not_before == morning and row.attempts == 0  # deferred, not failed
    rig.clock.now = morning - timedelta(minutes=1)
    assert await rig.sender.flush() == 0
    rig.clock.now = morning
    assert await rig.sender.flush() == 1
    assert rig.channel.sent[-1] == f"[{TOPIC_A}] 明早提醒：T3 期限"


async def test_quiet_night_is_coalesced_in_the_morning(sqlite_database: Database) -> None:
    rig = Rig(sqlite_database, quiet=QUIET, clock=FakeClock(EVENING))
    for hour in range(5):  # one reminder an hour through the night, each held back
        rig.put(f"提醒{hour}", kind="followup")
        rig.put("问候回复", kind="reply", room=ROOM_B)
        await rig.sender.flush()
        rig.clock.advance(hours=1)
    rig.clock.now = datetime(2026, 11, 27, 7, 30, tzinfo=SHANGHAI)
    assert await rig.sender.flush() == 5
    assert rig.channel.sent[-1] == f"[{TOPIC_A}] " + "\n\n".join(f"提醒{h}" for h in range(5))
    assert len(rig.channel.sent) == 6


async def test_restart_sends_what_is_pending_once_and_coalesced(
    database: Database,
) -> None:
    rig = Rig(database, delivery=LIMITS, quiet=QUIET)
    long_text = "\n".join(f"第{i:03d}行" + "内容" * 22 for i in range(80))
    long_id = rig.put(long_text)
    rig.channel.fail_calls = {2}
    await rig.sender.flush()  # part 1 went, part 2 failed: then the bot went down
    sent_before = list(rig.channel.sent)
    rig.clock.advance(hours=3)  # downtime: the follow-up sweep queued what fell due
    for i in range(4):
        rig.put(f"群A提醒{i}", kind="followup")
        rig.put(f"群B提醒{i}", kind="followup", room=ROOM_B)
    rig.restart()
    assert await rig.sender.flush() == 9
    new = rig.channel.sent[len(sent_before) :]
    assert len(new) == 4  # two remaining parts, then one message per room
    assert new[2] == f"[{TOPIC_A}] " + "\n\n".join(f"群A提醒{i}" for i in range(4))
    assert new[3] == f"[{TOPIC_B}] " + "\n\n".join(f"群B提醒{i}" for i in range(4))
    assert rig.row(long_id).delivered_at is not None
    rig.restart()
    assert await rig.sender.flush() == 0  # a second start sends nothing again
    assert Counter(rig.channel.sent).most_common(1)[0][1] == 1


def test_plan_ranks_urgent_then_replies_then_followups() -> None:
    now = EVENING - timedelta(hours=3)

    def row(i: int, room: str, kind: str, urgent: bool = False) -> OutboxMessage:
        return OutboxMessage(
            id=i,
            room_id=room,
            text=f"m{i}",
            created_at=now,
            not_before=now,
            kind=kind,
            urgent=urgent,
        )

    rows = [row(1, "r1", "followup"), row(2, "r2", "reply"), row(3, "r3", "followup", True)]
    queues = plan(rows, now, QUIET, 1500).queues
    assert [q[0].row_ids for q in queues] == [[3], [2], [1]]
