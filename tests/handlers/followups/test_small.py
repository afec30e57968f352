"""Small tickets: reminders before the response and resolution deadlines, overdue after."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from storage.models import FollowUp
from tests.support.followups import FollowUpBot
from tests.support.harness import SHANGHAI

G1, SIX = "[毛塘路1网格]", "[毛塘路社区六方议事群]"


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def pending(bot: FollowUpBot) -> list[tuple[str, datetime]]:
    with bot.db.session() as s:
        rows = s.exec(select(FollowUp).where(col(FollowUp.done_at).is_(None)))
        return sorted((r.kind, r.due_at.astimezone(SHANGHAI)) for r in rows)


async def test_deadlines_skip_national_day(bot: FollowUpBot) -> None:
    # 2026-09-30 is a Wednesday; 10-01..10-07 are the holiday, 10-10 (Sat) is a working day.
    bot.clock.now = at(9, 30, 10)
    await bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了")
    assert bot.ticket(1).due_at == at(10, 10, 18)
    assert pending(bot) == [
        ("late", at(10, 8, 18)),
        ("overdue", at(10, 10, 18)),
        ("remind", at(10, 8, 14)),
        ("remind", at(10, 10, 14)),
    ]
    assert await bot.travel(at(10, 8, 13, 59)) == []

    [nudge] = await bot.travel(at(10, 8, 14))
    assert nudge.startswith(f"{SIX} @张经理 【催办】T1 3栋2单元门口的路灯坏了")
    assert "还没有人认领" in nudge and "10月8日（周四）18:00" in nudge
    assert "认领 T1" in nudge

    await bot.say(f"{SIX} 张经理: 认领 T1")
    assert pending(bot) == [("overdue", at(10, 10, 18)), ("remind", at(10, 10, 14))]

    [nudge] = await bot.travel(at(10, 10, 14))
    assert nudge.startswith(f"{SIX} @张经理 【催办】T1")
    assert "10月10日（周六）18:00 到期" in nudge and "办结 T1" in nudge

    [late] = await bot.travel(at(10, 10, 18, 1))
    assert late.startswith(f"{SIX} @张经理 @王书记 【超期】T1")
    assert "请王书记督办" in late
    assert pending(bot) == []
    assert await bot.travel(at(10, 12, 9)) == []


async def test_resolved_in_time_cancels_the_reminders(bot: FollowUpBot) -> None:
    await bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了")
    await bot.say(f"{SIX} 张经理: 办结 T1 已更换灯泡")
    kinds = [kind for kind, _ in pending(bot)]
    assert kinds == ["visit"]
    with bot.db.session() as s:
        outcomes = {r.kind: r.outcome for r in s.exec(select(FollowUp)) if r.kind != "visit"}
    assert outcomes == {"remind": "cancelled", "overdue": "cancelled", "late": "cancelled"}


async def test_catch_up_sends_the_valid_reminder_not_the_stale_one(bot: FollowUpBot) -> None:
    """Down over both reminders: the claim reminder's deadline is past, the 18:00 one is not."""
    bot.clock.now = at(9, 30, 10)
    await bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了")
    caught_up = await bot.travel(at(10, 10, 15))  # both reminders fell due while down
    reminders = [m for m in caught_up if "【催办】" in m]
    assert len(reminders) == 1, caught_up
    assert "10月10日（周六）18:00 到期" in reminders[0] and "还没有人认领" not in reminders[0]
    assert [kind for kind, _ in pending(bot)] == ["overdue"]
    assert not [m for m in await bot.travel(at(10, 10, 17)) if "【催办】" in m]
