"""Urgent tickets: the alarm ladder's rungs (15 min, 30 min, street at 60 min), stop at 到场."""

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


async def test_rungs_escalate_to_the_secretary_then_the_street(bot: FollowUpBot) -> None:
    """The demo config names the street's duty contact: the third rung tells it privately."""
    [_receipt, card] = await bot.say(GAS)
    alerted = mentions(card)  # whom the first alert called: the responders, secretary last
    assert alerted[0] == "@李网格长" and alerted[-1] == "@王书记"
    assert bot.ticket(1).klass == "urgent"
    assert await bot.advance(minutes=14) == []

    first = await bot.advance(minutes=1)
    assert len(first) == 2  # the six-party group and the group it was reported in
    six, grid = sorted(first, key=lambda m: not m.startswith(SIX))
    assert six.startswith(SIX) and mentions(six) == alerted
    assert "【急事再提醒】T1" in six and "已 15 分钟无人回应" in six and "到场 T1" in six
    assert grid.startswith(G1) and mentions(grid) == alerted and "【急事再提醒】T1" in grid

    second = await bot.advance(minutes=15)
    assert len(second) == 2
    assert all("【急事升级】T1" in m and "已 30 分钟无人回应" in m for m in second)
    assert all("请王书记协调" in m and "@王书记" in m for m in second)

    assert await bot.advance(minutes=29) == []
    *groups, street = await bot.advance(minutes=1)
    assert len(groups) == 2
    assert all("【急事上报街道】T1" in m and "已 1 小时无人回应" in m for m in groups)
    assert all("已报告示范街道应急值班室。请王书记协调" in m for m in groups)
    assert street.startswith("[私聊→示范街道应急值班室] 【急事上报】毛塘路社区T1 3栋2单元")
    assert "已 1 小时无人到场，社区书记：王书记" in street
    assert bot.ticket(1).alerts == 3

    await bot.say(f"{G1} 张经理: 到场 T1")
    assert pending(bot) == ["overdue"]
    assert await bot.advance(minutes=15) == []
    assert await bot.advance(hours=3) == []


async def test_realerts_break_the_quiet_hours(bot: FollowUpBot) -> None:
    bot.clock.now = datetime(2026, 11, 26, 23, 0, tzinfo=SHANGHAI)
    await bot.say(GAS)
    await bot.advance(minutes=15)
    with bot.db.session() as s:
        alerts = list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == "followup")))
    assert len(alerts) == 2 and all(m.urgent for m in alerts)


async def test_catch_up_sends_the_loudest_missed_rung_once(bot: FollowUpBot) -> None:
    await bot.say(GAS)
    caught_up = await bot.advance(minutes=100)  # the bot was down through three rungs
    assert len(caught_up) == 3  # both groups, and the street privately
    assert all("【急事上报" in m and "已 1 小时 40 分钟" in m for m in caught_up)
    assert not any("再提醒" in m or "【急事升级】" in m for m in caught_up)
    assert bot.ticket(1).alerts == 3
    assert await bot.advance(minutes=79) == []  # the next rung is at 3 hours
    [again] = await bot.advance(minutes=1)
    assert again.startswith(SIX) and "【急事仍无人回应】T1" in again and "已 3 小时" in again


async def test_overdue_after_a_day_even_when_acknowledged(bot: FollowUpBot) -> None:
    await bot.say(GAS)
    await bot.say(f"{G1} 李网格长: 到场 T1")
    [late] = await bot.advance(hours=24)
    assert late.startswith(f"{SIX} @李网格长 @王书记 【超期】T1")


async def test_reclass_to_small_by_the_secretary_stops_the_realerts(bot: FollowUpBot) -> None:
    await bot.say(GAS)
    await bot.say(f"{SIX} 王书记: 改为 小事 T1")
    assert "realert" not in pending(bot)
    assert await bot.advance(minutes=30) == []
