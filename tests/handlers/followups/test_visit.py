"""Return visits: the next working day the reporters are asked to rate; silence closes it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from handlers import open311
from handlers.events import Inbound
from storage.models import FollowUp, TicketEvent
from tests.support.followups import FollowUpBot
from tests.support.harness import SHANGHAI

G1, G2, SIX = "[毛塘路1网格]", "[毛塘路2网格]", "[毛塘路社区六方议事群]"


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def pending(bot: FollowUpBot) -> list[tuple[str, datetime]]:
    with bot.db.session() as s:
        rows = s.exec(select(FollowUp).where(col(FollowUp.done_at).is_(None)))
        return sorted((r.kind, r.due_at.astimezone(SHANGHAI)) for r in rows)


def events(bot: FollowUpBot, number: int) -> list[str]:
    with bot.db.session() as s:
        rows = s.exec(select(TicketEvent).where(TicketEvent.ticket_id == number))
        return [e.kind for e in rows]


async def report_and_resolve(bot: FollowUpBot, when: datetime) -> None:
    bot.clock.now = when
    await bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了")
    await bot.say(f"{SIX} 张经理: 办结 T1 已更换灯泡")


async def test_visit_next_working_day_then_autoclose(bot: FollowUpBot) -> None:
    # Resolved on Friday 11-27: the visit is on Monday, the close three working days later.
    await report_and_resolve(bot, at(11, 27, 16))
    assert pending(bot) == [("visit", at(11, 30, 9, 30))]
    assert await bot.travel(at(11, 30, 9, 29)) == []

    [asked] = await bot.travel(at(11, 30, 9, 30))
    assert asked.startswith(f"{G1} @李网格长 【回访】T1 3栋2单元门口的路灯坏了")
    assert "评价 T1 满意" in asked and "3 个工作日内未评价将自动结案" in asked
    assert bot.ticket(1).visit_asked_at == at(11, 30, 9, 30)
    assert pending(bot) == [("autoclose", at(12, 3, 18))]

    assert await bot.travel(at(12, 3, 17, 59)) == []
    [closed] = await bot.travel(at(12, 3, 18))
    assert closed.startswith(f"{G1} @李网格长 T1") and "已自动结案" in closed
    assert bot.ticket(1).state == "closed"
    assert events(bot, 1)[-2:] == ["visit", "autoclose"]
    assert pending(bot) == []


async def test_every_reporter_is_visited_in_their_group(bot: FollowUpBot) -> None:
    bot.clock.now = at(11, 26, 9)
    await bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了")
    await bot.say(f"{G2} 黄网格长: 3栋2单元门口路灯坏了，晚上很黑")  # joins T1 as a +1
    assert bot.ticket(1).plus_ones == 1
    await bot.say(f"{SIX} 张经理: 办结 T1 已更换灯泡")
    visits = await bot.travel(at(11, 27, 9, 30))
    assert sorted(m.split(" 【")[0] for m in visits) == [f"{G1} @李网格长", f"{G2} @黄网格长"]


async def test_satisfied_rating_closes_and_cancels_autoclose(bot: FollowUpBot) -> None:
    await report_and_resolve(bot, at(11, 26, 9))
    await bot.travel(at(11, 27, 9, 30))
    await bot.say(f"{G1} 李网格长: 评价 T1 满意")
    assert bot.ticket(1).state == "closed" and pending(bot) == []


async def test_unsatisfied_after_the_visit_reopens_and_replans(bot: FollowUpBot) -> None:
    # Reported Thursday 11-26, due Tuesday 12-01 18:00; resolved Monday, visited Tuesday.
    bot.clock.now = at(11, 26, 9)
    await bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了")
    await bot.say(f"{SIX} 张经理: 认领 T1")
    bot.clock.now = at(11, 30, 10)
    await bot.say(f"{SIX} 张经理: 办结 T1 已更换灯泡")
    await bot.travel(at(12, 1, 9, 30))
    assert [k for k, _ in pending(bot)] == ["autoclose"]

    # Rated on Wednesday, after the old deadline: the reopened ticket gets a fresh one.
    bot.clock.now = at(12, 2, 10)
    await bot.say(f"{G1} 李网格长: 评价 T1 不满意 灯还是不亮")
    t = bot.ticket(1)
    assert t.state == "reopened" and t.due_at == at(12, 7, 18)
    assert pending(bot) == [("overdue", at(12, 7, 18)), ("remind", at(12, 7, 14))]

    [nudge] = await bot.travel(at(12, 7, 14))
    assert nudge.startswith(f"{SIX} @张经理 【催办】T1") and "12月7日（周一）18:00" in nudge
    await bot.say(f"{SIX} 张经理: 办结 T1 换了整套灯具")
    assert pending(bot) == [("visit", at(12, 8, 9, 30))]


async def test_unsatisfied_before_the_deadline_keeps_it(bot: FollowUpBot) -> None:
    await report_and_resolve(bot, at(11, 26, 9))
    await bot.travel(at(11, 27, 9, 30))
    await bot.say(f"{G1} 李网格长: 评价 T1 不满意")
    assert bot.ticket(1).due_at == at(12, 1, 18)
    assert pending(bot) == [("overdue", at(12, 1, 18)), ("remind", at(12, 1, 14))]


async def test_an_open311_ticket_closes_three_working_days_after_resolution_not_before(
    bot: FollowUpBot,
) -> None:
    # A web request has no reporter in any group: no visit is sent, but the visit step still
    # starts the three working days, after which the unrated ticket closes by itself.
    bot.clock.now = at(11, 27, 16)  # Friday
    web = Inbound(
        msg_id="web-1",
        room_id=bot.event(f"{SIX} 张经理: x").room_id,
        room_topic="",
        sender_id=open311.SENDER_ID,
        sender_name=open311.SENDER_NAME,
        text="3栋2单元门口的路灯坏了，晚上很黑",
        at=bot.clock.now,
        kind=open311.KIND,
        details=(("service_code", "facility"), ("address", "毛塘路3栋2单元门口")),
    )
    [posted] = await bot.send(web)
    assert posted.startswith(f"{SIX} @张经理 {open311.CARD_HEAD}\n【T1 小事·线上议】")
    assert bot.ticket(1).room_id is None
    await bot.say(f"{SIX} 张经理: 办结 T1 已更换灯泡")
    assert pending(bot) == [("visit", at(11, 30, 9, 30))]
    assert await bot.travel(at(11, 30, 9, 30)) == []  # the visit: nobody to ask
    assert bot.ticket(1).visit_asked_at == at(11, 30, 9, 30)
    assert pending(bot) == [("autoclose", at(12, 3, 18))]
    assert await bot.travel(at(12, 3, 17, 59)) == []
    assert bot.ticket(1).state == "resolved"  # a minute before: still waiting for a rating
    assert await bot.travel(at(12, 3, 18)) == []  # nobody to tell in the chat either
    assert bot.ticket(1).state == "closed"
    assert events(bot, 1)[-2:] == ["visit", "autoclose"]
