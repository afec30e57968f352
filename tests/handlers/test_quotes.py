"""Quoted replies in a group: the quoted words never count as the sender's own."""

from __future__ import annotations

from tests.support.harness import TestBot

G1, SIX = "[毛塘路1网格]", "[毛塘路社区六方议事群]"
DASHES = " - - - - - - - - - - - - - - - "


async def test_a_quote_naming_two_tickets_is_not_guessed(bot: TestBot) -> None:
    await bot.say(f"{G1} 刘阿姨: 3栋2单元楼道里煤气味很重")
    await bot.say(f"{G1} 孙大爷: 5栋电梯里有人被困，按警铃没人应")
    quote = "「社区小助手：【急事再提醒】T1 煤气味 【急事再提醒】T2 电梯困人」"
    replies = await bot.say(f"{SIX} 张经理: {quote}{DASHES}我去看看")
    assert replies == []  # neither ticket is taken as answered, and nothing new is filed
    assert bot.ticket(1).answered_at is None and bot.ticket(2).answered_at is None


async def test_quoting_a_small_ticket_card_answers_where_it_stands(bot: TestBot) -> None:
    await bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了")
    quote = "「社区小助手：【T1 小事·线上议】公共设施 请物业回复「认领 T1」接单」"
    [status] = await bot.say(f"{G1} 刘阿姨: {quote}{DASHES}什么时候修")
    assert status.startswith(f"{G1} @刘阿姨 T1 3栋2单元门口的路灯坏了")
    [claimed, *_] = await bot.say(f"{SIX} 张经理: {quote}{DASHES}认领")
    assert "T1 由您负责" in claimed
