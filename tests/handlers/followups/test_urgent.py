"""Urgent tickets: re-alerts every 15 minutes, escalation to the secretary, stop at 到场."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from storage.models import FollowUp, OutboxMessage
from tests.support.followups import FollowUpBot
from tests.support.harness import SHANGHAI

G1, SIX = "[毛塘路1网格]", "[毛塘路社区六方议事群]"
GAS = f"{G1} 刘阿姨: 3栋2单元楼道里煤气味很重"


def pending(bot: FollowUpBot) -> list[str]:
    with bot.db.session() as s:
        return sorted(
            r.kind for r in s.exec(select(FollowUp).where(col(FollowUp.done_at).is_(None)))
        )


def mentions(message: str) -> list[str]:
    return [w for w in message.split("【")[0].split() if w.startswith("@")]


async def test_realerts_escalate_and_stop_at_arrival(bot: FollowUpBot) -> None:
    [_receipt, card] = await bot.say(GAS)
    alerted = mentions(card)  # whom the first alert called: the responders, secretary last
    assert alerted[0] == "@李网格长" and alerted[-1] == "@王书记"
    assert bot.ticket(1).klass == "urgent"
    assert await bot.advance(minutes=14) == []

    first = await bot.advance(minutes=1)
    assert len(first) == 2  # the six-party group and the group it was reported in
    six, grid = sorted(first, key=lambda m: not m.startswith(SIX))
    assert six.startswith(SIX) and mentions(six) == alerted
    assert "【急事再提醒】T1" in six and "已 15 分钟无人回复到场" in six and "到场 T1" in six
    assert grid.startswith(G1) and mentions(grid) == alerted and "【急事再提醒】T1" in grid

    second = await bot.advance(minutes=15)
    assert len(second) == 2
    assert all("【急事升级】T1" in m and "已 30 分钟无人到场" in m for m in second)
    assert all("请王书记协调" in m and "@王书记" in m for m in second)
    assert bot.ticket(1).alerts == 2

    await bot.say(f"{G1} 张经理: 到场 T1")
    assert pending(bot) == ["overdue"]
    assert await bot.advance(minutes=15) == []
    assert await bot.advance(hours=2) == []


async def test_realerts_break_the_quiet_hours(bot: FollowUpBot) -> None:
    bot.clock.now = datetime(2026, 11, 26, 23, 0, tzinfo=SHANGHAI)
    await bot.say(GAS)
    await bot.advance(minutes=15)
    with bot.db.session() as s:
        alerts = list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == "followup")))
    assert len(alerts) == 2 and all(m.urgent for m in alerts)


async def test_catch_up_sends_one_realert_not_every_missed_one(bot: FollowUpBot) -> None:
    await bot.say(GAS)
    caught_up = await bot.advance(hours=2)  # the bot was down: eight slots went by
    assert len(caught_up) == 2 and all("已 120 分钟" in m for m in caught_up)
    assert await bot.advance(minutes=14) == []
    escalated = await bot.advance(minutes=1)
    assert len(escalated) == 2 and all("【急事升级】" in m for m in escalated)


async def test_overdue_after_a_day_even_when_acknowledged(bot: FollowUpBot) -> None:
    await bot.say(GAS)
    await bot.say(f"{G1} 李网格长: 到场 T1")
    [late] = await bot.advance(hours=24)
    assert late.startswith(f"{SIX} @李网格长 @王书记 【超期】T1")


async def test_reclass_to_small_stops_the_realerts(bot: FollowUpBot) -> None:
    await bot.say(GAS)
    await bot.say(f"{SIX} 王书记: 改为 小事 T1")
    assert "realert" not in pending(bot)
    assert await bot.advance(minutes=30) == []
