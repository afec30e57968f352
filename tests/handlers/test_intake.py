"""Intake conversations: reports become tickets, chatter stays quiet, bad input is answered."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from storage.models import OutboxMessage, Ticket, TicketEvent
from tests.support.fakes import NothingUnderstood
from tests.support.harness import TestBot

G1 = "[毛塘路1网格]"


def _tickets(bot: TestBot) -> list[Ticket]:
    with bot.db.session() as s:
        return list(s.exec(select(Ticket).order_by(Ticket.id)))


def _count(bot: TestBot, model: type) -> int:
    with bot.db.session() as s:
        return len(list(s.exec(select(model))))


SIX = "[毛塘路社区六方议事群]"


async def test_grid_leader_report_gets_ticket_card(bot: TestBot) -> None:
    replies = await bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了好几天了")
    assert len(replies) == 2
    reply, relayed = replies
    assert reply.startswith(f"{G1} @李网格长 已登记 T1（小事·线上议）")
    assert "类别：公共设施" in reply and "位置：3栋2单元" in reply and "因为提到" in reply
    assert "已转六方议事群" in reply and "认领 T1" in reply
    # Thursday 26 Nov 2026 + 3 working days = Tuesday 1 Dec, end of the working day.
    assert "期限 12月1日（周二）18:00" in reply
    assert relayed.startswith(f"{SIX} @张经理 【T1 小事·线上议】公共设施")
    assert "内容：3栋2单元门口的路灯坏了好几天了" in relayed and "（1网格）" in relayed
    assert "依据：" in relayed
    [t] = _tickets(bot)
    assert (t.klass, t.route, t.category, t.state) == ("small", "online", "facility", "reported")
    assert (t.community_code, t.grid, t.reporter_id) == ("maotang", "1网格", "wx-mt-li")
    assert "路灯" in t.search_text.split()
    with bot.db.session() as s:
        events = list(s.exec(select(TicketEvent)))
    assert [(e.kind, e.to_state, e.actor_id) for e in events] == [
        ("reported", "reported", "wx-mt-li")
    ]


async def test_urgent_and_difficult_are_routed_by_content(bot: TestBot) -> None:
    urgent, alert = await bot.say(f"{G1} 刘阿姨: 5栋一楼楼道里煤气味很重，快来人看看")
    assert "急事·现场议" in urgent and "马上到场" in urgent
    assert "119" in urgent and "不要开关电器" in urgent
    assert "@李网格长" in urgent and "@张经理" in urgent and "@王书记" in urgent
    assert alert.startswith(f"{SIX} @李网格长 ") and "到场 T1" in alert
    assert "@张经理" in alert and "@城管刘队" in alert and "@王书记" in alert
    hard, card = await bot.say(
        f"{G1} 孙大爷: 小区停车难的问题反映了一年多了一直没解决，建议开会商量"
    )
    assert "难事·会场议" in hard and "议事厅" in hard
    # The hall meets on Thursdays at 15:00; it is Thursday 09:00, so today's meeting.
    assert "11月26日（周四）15:00" in card
    assert [t.route for t in _tickets(bot)] == ["onsite", "hall"]


@pytest.mark.parametrize(
    "text", ["大家早上好", "收到，谢谢", "👍👍👍", "[呲牙][呲牙]", "   ", "\x00\x07", "好的好的"]
)
async def test_chatter_makes_no_ticket_and_no_reply(bot: TestBot, text: str) -> None:
    assert await bot.say(f"{G1} 刘阿姨: {text}") == []
    assert _tickets(bot) == [] and _count(bot, OutboxMessage) == 0


async def test_explicit_report_always_files(tmp_path: Path) -> None:
    bot = TestBot.from_example(tmp_path, nlp=NothingUnderstood())
    reply, _card = await bot.say(f"{G1} 刘阿姨: 报事：这个事情麻烦社区管一管")
    assert "已登记 T1" in reply and "按您的要求登记" in reply
    [t] = _tickets(bot)
    assert t.filed_on_request and t.route == "online" and t.category == "other"
    bot.close()


async def test_explicit_report_without_content_gets_usage(bot: TestBot) -> None:
    [reply] = await bot.say(f"{G1} 刘阿姨: 报事 [呲牙]")
    assert "报事请写清问题和位置" in reply and _tickets(bot) == []


async def test_mentioning_the_bot_with_chatter_gets_a_hint(bot: TestBot) -> None:
    [reply] = await bot.say(f"{G1} 刘阿姨: @社区小助手 你好呀")
    assert "没看出要报的问题" in reply and "报事" in reply


async def test_huge_text_is_truncated_with_a_note(bot: TestBot) -> None:
    text = "3栋楼道灯坏了" + "很久" * 10000
    reply, _card = await bot.say(f"{G1} 李网格长: {text}")
    assert "内容太长，只登记了前 2000 个字" in reply
    [t] = _tickets(bot)
    assert len(t.text) == 2000


async def test_mixed_scripts_and_control_characters(bot: TestBot) -> None:
    reply, _card = await bot.say(f"{G1} 李网格长: Ｂ区7栋\x1b[31m电梯坏了，the lift is broken ")
    assert "已登记" in reply and "电梯" in reply
    [t] = _tickets(bot)
    assert "\x1b" not in t.text


async def test_unbound_group_is_silent_unless_asked(bot: TestBot) -> None:
    assert await bot.say("[隔壁闲聊群] 刘阿姨: 3栋路灯坏了") == []
    [reply] = await bot.say("[隔壁闲聊群] 刘阿姨: @社区小助手 3栋路灯坏了")
    assert "还没有绑定社区" in reply
    assert _tickets(bot) == []


async def test_redelivered_message_makes_one_ticket(bot: TestBot) -> None:
    ev = bot.event(f"{G1} 李网格长: 3栋2单元门口的路灯坏了")
    first = await bot.send(ev)
    again = await bot.send(ev)
    assert len(first) == 2 and again == []
    assert len(_tickets(bot)) == 1


async def test_private_message_gets_help(bot: TestBot) -> None:
    [reply] = await bot.say("[私聊] 刘阿姨: 你好")
    assert reply.startswith("[私聊→刘阿姨]") and "网格群" in reply


async def test_failure_inside_a_handler_writes_nothing_and_apologises(
    bot: TestBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    import handlers.intake as intake

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(intake, "route_new_ticket", boom)
    [reply] = await bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了")
    assert "出错" in reply and "没有丢" in reply
    assert _tickets(bot) == [] and _count(bot, TicketEvent) == 0


async def test_failed_send_is_retried_not_lost(bot: TestBot) -> None:
    bot.channel.fail = True
    assert await bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了") == []
    bot.channel.fail = False
    bot.clock.advance(seconds=5)
    assert await bot.sender.flush() == 2
    assert "已登记 T1" in bot.channel.sent[-2]
    assert await bot.sender.flush() == 0
