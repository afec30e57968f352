"""The six-party loop, said line by line as the people in the groups would."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Ticket, TicketEvent
from tests.support.harness import TestBot

G1, G2, SIX = "[毛塘路1网格]", "[毛塘路2网格]", "[毛塘路社区六方议事群]"
GH1 = "[桂花巷1网格]"


def events(bot: TestBot, number: int) -> list[str]:
    with bot.db.session() as s:
        rows = s.exec(select(TicketEvent).where(TicketEvent.ticket_id == number))
        return [e.kind for e in rows]


async def test_report_claim_progress_resolve_rate_and_query(bot: TestBot) -> None:
    await bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了好几天了，电话13812345678")
    card = bot.channel.sent[-1]
    assert card.startswith(f"{SIX} @张经理 【T1") and "138****5678" in card
    assert "13812345678" not in card

    [ok, told] = await bot.say(f"{SIX} 张经理: 认领 T1")
    assert "T1 由您负责" in ok
    assert told == f"{G1} T1 已由张经理认领，正在处理。"
    assert bot.ticket(1).state == "accepted"

    [ok, told] = await bot.say(f"{SIX} 张经理: 进展 T1 已联系电工，明天上门")
    assert told.startswith(f"{G1} T1 进展：已联系电工") and "张经理" in told
    assert bot.ticket(1).state == "in_progress"

    [ok, told] = await bot.say(f"{SIX} 张经理: 办结 T1 已更换灯泡")
    assert "已通知反映人" in ok
    assert told.startswith(f"{G1} @李网格长 您反映的 T1 已办结：已更换灯泡")
    assert "回复「满意」「基本满意」或「不满意」" in told
    assert bot.ticket(1).state == "resolved"

    [found] = await bot.say(f"{G1} 刘阿姨: 查询 路灯")
    assert "T1 3栋2单元门口的路灯" in found and "已办结" in found
    assert "李网格长" not in found and "1381" not in found

    [thanks] = await bot.say(f"{G1} 李网格长: 评价 T1 满意")
    assert "已结案" in thanks
    assert bot.ticket(1).state == "closed"
    assert events(bot, 1) == ["reported", "claim", "progress", "resolve", "rate"]


async def test_resident_cannot_resolve_and_nothing_changes(bot: TestBot) -> None:
    await bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了")
    [refusal] = await bot.say(f"{G1} 刘阿姨: 办结 T1 修好了")
    assert "只有" in refusal and "物业" in refusal and "可以用「办结」" in refusal
    assert "查询" in refusal  # and what to type instead
    assert bot.ticket(1).state == "reported" and events(bot, 1) == ["reported"]


async def test_two_claims_one_wins(bot: TestBot) -> None:
    await bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了")
    await bot.say(f"{SIX} 张经理: 认领 T1")
    [other] = await bot.say(f"{SIX} 赵主任: 受理 #1")
    assert other.endswith("T1 已由张经理认领，不用重复认领。")
    assert bot.ticket(1).assignee_name == "张经理"


async def test_urgent_arrival_tells_the_reporter_who_is_coming(bot: TestBot) -> None:
    await bot.say(f"{G2} 黄网格长: 5栋电梯卡在5楼和6楼中间，里面困了一个老人")
    alert = bot.channel.sent[-2]
    assert "96333" in alert and "不要扒门" in alert
    replies = await bot.say(f"{SIX} 张经理: 到场 T1")
    assert any(r.startswith(f"{G2} @黄网格长 T1：张经理已回复到场") for r in replies)
    assert bot.ticket(1).acknowledged_at is not None


async def test_burst_pipe_reported_five_times_is_one_ticket(bot: TestBot) -> None:
    lines = [
        f"{G2} 黄网格长: 5栋楼下自来水管爆了，水哗哗往外冒，一楼快淹了",
        f"{G2} 孙大爷: 5栋水管爆了，到处是水，快来人",
        f"{G2} 刘阿姨: 5号楼下面水管爆裂了，水漫到楼道里了",
        f"{G2} 周大妈: 5栋自来水管破了在喷水",
        f"{G2} 吴叔: 快来人，5栋楼下爆管了，水一直往外冒",
    ]
    for line in lines:
        await bot.say(line)
    with bot.db.session() as s:
        tickets = list(s.exec(select(Ticket)))
    assert len(tickets) == 1 and tickets[0].plus_ones == 4
    assert "共 5 人反映" in bot.channel.sent[-1] and "T1" in bot.channel.sent[-1]
    await bot.say(f"{SIX} 张经理: 办结 T1 已关阀抢修完毕")
    told = bot.channel.sent[-1]
    for name in ("黄网格长", "孙大爷", "刘阿姨", "周大妈", "吴叔"):
        assert f"@{name}" in told


async def test_different_buildings_are_not_merged(bot: TestBot) -> None:
    await bot.say(f"{G1} 李网格长: 3栋楼道灯坏了")
    await bot.say(f"{G1} 刘阿姨: 8栋楼道灯坏了")
    with bot.db.session() as s:
        assert len(list(s.exec(select(Ticket)))) == 2


async def test_command_on_another_communitys_ticket_is_refused(bot: TestBot) -> None:
    await bot.say(f"{GH1} 唐网格长: 小区停车位太少，反映很多次一直没解决")
    [refusal] = await bot.say(f"{SIX} 张经理: 认领 T1")
    assert "没有找到工单 T1" in refusal  # as if it did not exist
    assert bot.ticket(1).state == "reported"


async def test_transfer_reclass_merge_reject(bot: TestBot) -> None:
    await bot.say(f"{G1} 李网格长: 3栋楼顶有人违章搭建彩钢棚")
    await bot.say(f"{G1} 刘阿姨: 9栋门口垃圾桶满了没人清")
    await bot.say(f"{G2} 孙大爷: 小区西门那边苍蝇乱飞，脏得很")

    [moved] = await bot.say(f"{SIX} 王书记: 转交 T1 @城管刘队")
    assert moved.startswith(f"{SIX} @城管刘队 T1 已转交给城管刘队")
    assert bot.ticket(1).assignee_id == "wx-mt-chengguan"

    replies = await bot.say(f"{SIX} 王书记: 改为 难事 T1")
    assert "由小事改为难事（会场议）" in replies[0] and "议事厅" in replies[0]
    assert bot.ticket(1).route == "hall"

    [merged, told] = await bot.say(f"{SIX} 赵主任: 合并 T3 T2")
    assert "已把 T3 并入 T2" in merged
    assert told.startswith(f"{G2} 您反映的 T3 和 T2 是同一个问题")
    assert bot.ticket(3).state == "merged" and bot.ticket(2).plus_ones == 1
    [again] = await bot.say(f"{SIX} 赵主任: 认领 T3")
    assert "已合并" in again and "并入 T2" in again

    [rejected, *told] = await bot.say(f"{SIX} 赵主任: 驳回 T2 已由环卫所统一清运")
    assert "已驳回" in rejected and len(told) == 2  # both reporters' groups hear why
    assert all("原因：已由环卫所统一清运" in t for t in told)
    assert bot.ticket(2).state == "rejected"


async def test_unsatisfied_rating_reopens(bot: TestBot) -> None:
    await bot.say(f"{G1} 刘阿姨: 3栋2单元门禁坏了")
    await bot.say(f"{SIX} 张经理: 办结 T1 已修好")
    [refusal] = await bot.say(f"{G1} 孙大爷: 评价 T1 满意")
    assert "只有反映 T1 的居民可以评价" in refusal
    replies = await bot.say(f"{G1} 刘阿姨: 评价 T1 不满意 还是刷不开")
    assert "重新办理" in replies[0]
    assert any(r.startswith(f"{SIX} @张经理 T1 居民评价不满意：还是刷不开") for r in replies)
    t = bot.ticket(1)
    assert t.state == "reopened" and t.rating == "unsatisfied"


async def test_private_query_and_my_tickets(bot: TestBot) -> None:
    await bot.say(f"{G1} 刘阿姨: 3栋2单元门禁坏了")
    [mine] = await bot.say("[私聊] 刘阿姨: 我的工单")
    assert mine.startswith("[私聊→刘阿姨]") and "T1 3栋2单元门禁坏了" in mine
    [one] = await bot.say("[私聊] 刘阿姨: 查询 T1")
    assert "T1" in one and "等物业认领" in one and "期限" in one


async def test_help_depends_on_role(bot: TestBot) -> None:
    [resident] = await bot.say(f"{G1} 刘阿姨: 帮助")
    [manager] = await bot.say(f"{SIX} 张经理: 帮助")
    assert "查询 路灯" in resident and "「办结" not in resident
    assert "办结 T12" in manager and "认领 T12" in manager


async def test_stats(bot: TestBot) -> None:
    await bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了")
    await bot.say(f"{G1} 刘阿姨: 5栋楼道里一股很浓的煤气味")
    [stats] = await bot.say(f"{SIX} 王书记: 统计")
    assert "共 2 件" in stats and "急事 1、小事 1、难事 0" in stats
    [refusal] = await bot.say(f"{G1} 刘阿姨: 统计")
    assert "只有" in refusal
