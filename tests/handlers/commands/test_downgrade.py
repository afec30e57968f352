"""Taking a ticket out of urgent: the secretary or 居委 decide; the parties alarmed may ask."""

from __future__ import annotations

from tests.support.harness import TestBot

G1, SIX = "[毛塘路1网格]", "[毛塘路社区六方议事群]"
GAS = f"{G1} 刘阿姨: 3栋2单元楼道里煤气味很重"


async def test_the_responsible_party_asks_and_the_request_is_relayed(bot: TestBot) -> None:
    await bot.say(GAS)
    [mine, relayed] = await bot.say(f"{G1} 张经理: 改为 小事 T1 只是楼上刷油漆的味道")
    assert mine.startswith(f"{G1} @张经理 急事改为小事要由社区书记或居委决定")
    assert "已把您的申请转给王书记、赵主任" in mine and "急事提醒照常" in mine
    assert relayed.startswith(f"{SIX} @王书记 @赵主任 【改类申请】张经理申请把急事 T1")
    assert "（原因：只是楼上刷油漆的味道）" in relayed and "「改为 小事 T1」" in relayed
    assert bot.ticket(1).klass == "urgent"


async def test_asked_in_the_six_party_group_it_is_one_message(bot: TestBot) -> None:
    await bot.say(GAS)
    [both] = await bot.say(f"{SIX} 城管刘队: 改为 难事 T1")
    assert both.startswith(f"{SIX} @城管刘队 @王书记 @赵主任 急事改为难事要由社区书记或居委决定")
    assert bot.ticket(1).klass == "urgent"


async def test_the_secretary_and_committee_decide(bot: TestBot) -> None:
    await bot.say(GAS)
    await bot.say(f"{SIX} 赵主任: 改为 小事 T1")
    assert bot.ticket(1).klass == "small"


async def test_a_category_change_on_an_urgent_ticket_needs_no_decision(bot: TestBot) -> None:
    await bot.say(GAS)
    await bot.say(f"{SIX} 张经理: 改为 水电气 T1")
    t = bot.ticket(1)
    assert t.klass == "urgent" and t.category == "utilities"
