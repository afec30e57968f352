"""重办: the secretary or 居委 take a finished or rejected ticket up again, with a reason."""

from __future__ import annotations

from tests.support.harness import TestBot

G1, SIX = "[毛塘路1网格]", "[毛塘路社区六方议事群]"


async def test_a_resolved_ticket_is_reopened_and_everyone_is_told(bot: TestBot) -> None:
    await bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了")
    await bot.say(f"{SIX} 张经理: 认领 T1")
    await bot.say(f"{SIX} 张经理: 办结 T1 已更换灯泡")
    await bot.say(f"{G1} 李网格长: 评价 T1 满意")
    assert bot.ticket(1).state == "closed" and bot.ticket(1).rating == "satisfied"
    replies = await bot.say(f"{SIX} 赵主任: 重办 T1 居民说灯又不亮了")
    assert replies[0].startswith(f"{SIX} @赵主任 T1 已重新办理，已通知反映人和负责方。")
    assert f"{G1} T1 已重新办理，原因：居民说灯又不亮了（赵主任）" in replies
    t = bot.ticket(1)
    assert t.state == "reopened" and t.rating is None and t.resolved_at is None
    again = await bot.say(f"{SIX} 张经理: 办结 T1 换了整个灯头")
    assert "已办结" in again[0] and bot.ticket(1).state == "resolved"


async def test_who_may_reopen_and_when(bot: TestBot) -> None:
    await bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了")
    [early] = await bot.say(f"{SIX} 王书记: 重办 T1 再看看")
    assert "还没有结束，不用重办" in early and "进展 T1" in early
    await bot.say(f"{SIX} 张经理: 驳回 T1 不属于物业管理范围")
    [refused] = await bot.say(f"{SIX} 张经理: 重办 T1 再看看")
    assert "只有社区书记、居委可以用「重办」" in refused
    [no_reason] = await bot.say(f"{SIX} 王书记: 重办 T1")
    assert "请写上重办原因" in no_reason
    assert bot.ticket(1).state == "rejected"
    replies = await bot.say(f"{SIX} 王书记: 重新办理 T1 属于社区，请物业处理")
    assert "已重新办理" in replies[0] and bot.ticket(1).state == "reopened"


async def test_a_merged_ticket_points_to_the_one_it_joined(bot: TestBot) -> None:
    await bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了")
    await bot.say(f"{G1} 刘阿姨: 8栋的垃圾桶满了没人清")
    await bot.say(f"{SIX} 王书记: 合并 T2 T1")
    [said] = await bot.say(f"{SIX} 王书记: 重办 T2 再看看")
    assert "T2 已并入 T1，要重办请发「重办 T1 原因」" in said


async def test_an_urgent_ticket_waits_for_arrival_not_a_claim(bot: TestBot) -> None:
    await bot.say(f"{G1} 黄网格长: 5栋电梯卡在5楼和6楼中间，里面困了一个老人")
    [one] = await bot.say("[私聊] 王书记: 查询 T1")
    assert "到场" in one and "认领" not in one
