"""时间银行 in chat: 排行榜 with opt-out and masking, 兑换 within the balance, 更正."""

from __future__ import annotations

from sqlmodel import select

from storage.volunteers.models import CatalogueItem, LedgerEntry, Redemption
from tests.support.harness import TestBot

G1, SIX = "[毛塘路1网格]", "[毛塘路社区六方议事群]"
_asked = 0


async def served(
    bot: TestBot, volunteer: str, hours: str, text: str = "独居老人想请人帮忙买菜"
) -> None:
    """One relief request served by ``volunteer`` and confirmed by the reporter."""
    global _asked
    _asked += 1
    filed = await bot.say(f"{G1} 孙大爷: {_asked}栋{text}")
    [number] = {m.split("【服务单】T")[1].split("（")[0] for m in filed if "【服务单】" in m}
    await bot.say(f"[私聊] {volunteer}: 接单 T{number}")
    await bot.say(f"[私聊] {volunteer}: 服务 T{number} {hours} 买菜送上门")
    await bot.say(f"{G1} 孙大爷: 确认 T{number}")


async def test_board_orders_by_hours_and_respects_opt_out(bot: TestBot) -> None:
    await served(bot, "志愿者小杨", "1小时")
    await served(bot, "党员吴姐", "2.5小时")
    await served(bot, "党员老周", "1.5小时")
    [board] = await bot.say(f"{G1} 刘阿姨: 排行榜")
    assert board.splitlines()[1:4] == [
        "1. 党员吴姐 2.5小时",
        "2. 党员老周 1.5小时",
        "3. 志愿者小杨 1小时",
    ]

    [hidden] = await bot.say("[私聊] 党员吴姐: 排行榜 不显示我")
    assert "不再显示您的名字" in hidden
    [board] = await bot.say(f"{G1} 刘阿姨: 排行榜")
    assert "1. 吴志愿者 2.5小时" in board and "吴姐" not in board
    [staff] = await bot.say("[私聊] 王书记: 排行榜")
    assert "1. 党员吴姐（不公开） 2.5小时" in staff
    [in_group] = await bot.say(f"{SIX} 王书记: 排行榜")
    assert "吴姐" not in in_group  # residents may read the group too

    await bot.say("[私聊] 党员吴姐: 排行榜 显示我")
    [board] = await bot.say(f"{G1} 刘阿姨: 排行榜")
    assert "1. 党员吴姐 2.5小时" in board


async def test_monthly_board_counts_this_month_and_total_counts_all(bot: TestBot) -> None:
    await served(bot, "志愿者小杨", "3小时")
    bot.clock.advance(days=10)  # 11-26 → 12-06: a new month
    await served(bot, "党员老周", "1小时")
    [month] = await bot.say(f"{G1} 刘阿姨: 排行榜")
    assert month.splitlines()[:2] == [f"{G1} @刘阿姨 【12月排行榜】", "1. 党员老周 1小时"]
    assert "小杨" not in month
    [total] = await bot.say(f"{G1} 刘阿姨: 排行榜 总榜")
    assert "1. 志愿者小杨 3小时" in total and "2. 党员老周 1小时" in total


async def test_empty_board_says_how_to_get_on_it(bot: TestBot) -> None:
    [board] = await bot.say(f"{G1} 刘阿姨: 排行榜")
    assert "还没有人上榜" in board


async def test_redemption_beyond_the_balance_is_refused_and_changes_nothing(bot: TestBot) -> None:
    await served(bot, "志愿者小杨", "0.5小时")
    [refused] = await bot.say("[私聊] 志愿者小杨: 兑换 理发")
    assert refused == (
        "[私聊→志愿者小杨] 余额不够：您有 0.5小时，理发要 1小时，还差 0.5小时。"
        "参加服务队的服务可以攒时长，发「服务队」看看。"
    )
    with bot.db.session() as s:
        assert s.exec(select(CatalogueItem).where(CatalogueItem.name == "理发")).one().stock == 10
        assert s.exec(select(Redemption)).all() == []
        assert [e.kind for e in s.exec(select(LedgerEntry))] == ["credit"]


async def test_redemption_takes_hours_and_stock_and_gives_a_code(bot: TestBot) -> None:
    await served(bot, "志愿者小杨", "2小时")
    [menu] = await bot.say("[私聊] 志愿者小杨: 兑换")
    assert "您的余额 2小时" in menu and "· 理发（服务）1小时，剩 10" in menu
    [done] = await bot.say("[私聊] 志愿者小杨: 兑换 理发")
    assert "兑换成功：理发，用去 1小时，余额 1小时" in done
    assert "请到毛塘路爱心理发店出示兑换码" in done
    with bot.db.session() as s:
        code = s.exec(select(Redemption)).one().code
        assert s.exec(select(CatalogueItem).where(CatalogueItem.name == "理发")).one().stock == 9
    assert f"兑换码 {code}" in done
    [account] = await bot.say("[私聊] 志愿者小杨: 时间账户")
    assert "余额 1小时，累计服务 2小时" in account and "兑换 -1小时 兑换 理发" in account
    [unknown] = await bot.say("[私聊] 志愿者小杨: 兑换 按摩")
    assert "没有「按摩」这一项" in unknown and "理发" in unknown


async def test_redemption_in_a_group_is_refused_with_where_to_ask(bot: TestBot) -> None:
    [refused] = await bot.say(f"{G1} 志愿者小杨: 兑换 理发")
    assert "兑换请私聊我" in refused


async def test_out_of_stock_is_refused(bot: TestBot) -> None:
    await served(bot, "志愿者小杨", "2小时")
    with bot.db.session() as s:
        item = s.exec(select(CatalogueItem).where(CatalogueItem.name == "理发")).one()
        item.stock = 0
        s.add(item)
        s.commit()
    [refused] = await bot.say("[私聊] 志愿者小杨: 兑换 理发")
    assert "理发已经兑完了" in refused
    [menu] = await bot.say("[私聊] 志愿者小杨: 兑换")
    assert "理发（服务）1小时，已兑完" in menu


async def test_secretary_corrects_hours_others_may_not(bot: TestBot) -> None:
    await served(bot, "志愿者小杨", "2小时")
    [refused] = await bot.say(f"{SIX} 赵主任: 更正时间 志愿者小杨 -0.5小时 多记了")
    assert "只有社区书记可以用「更正时间」" in refused
    [fixed, told] = await bot.say(f"{SIX} 王书记: 更正时间 志愿者小杨 -0.5小时 多记了半小时")
    assert "已更正 志愿者小杨 -0.5小时（多记了半小时），余额 1.5小时" in fixed
    assert told.startswith("[私聊→志愿者小杨] 社区书记更正了您的时间账户：-0.5小时")
    [too_much] = await bot.say(f"{SIX} 王书记: 更正时间 志愿者小杨 -5小时 错了")
    assert "余额只有 1.5小时，不能减 5小时" in too_much
    with bot.db.session() as s:
        kinds = [(e.kind, e.halves, e.actor_name) for e in s.exec(select(LedgerEntry))]
    assert kinds == [("credit", 4, "孙大爷"), ("correction", -1, "王书记")]


async def test_teams_command_lists_the_five_teams(bot: TestBot) -> None:
    [teams] = await bot.say(f"{G1} 刘阿姨: 服务队")
    lines = teams.split("\n")
    assert len([line for line in lines if "服务队" in line and "·" in line]) == 5
    assert "黄·民生救助服务队 扶危济困「邻里帮」，队长党员老周，3人" in teams


async def test_help_lists_the_time_bank_commands(bot: TestBot) -> None:
    [help_] = await bot.say("[私聊] 志愿者小杨: 帮助")
    for word in ("「接单 T12」", "「时间账户」", "「排行榜」", "「兑换 理发」", "「服务队」"):
        assert word in help_
    [more] = await bot.say("[私聊] 王书记: 帮助 管理")
    assert "更正时间" in more


async def test_secretary_adds_and_removes_team_members_in_chat(bot: TestBot) -> None:
    [refused] = await bot.say(f"{SIX} 张经理: 加入服务队 @李网格长 民生救助")
    assert "只有社区书记可以用「加入服务队」" in refused
    [added, told] = await bot.say(f"{SIX} 王书记: 加入服务队 @李网格长 民生救助")
    assert "李网格长加入了民生救助服务队" in added
    assert told.startswith("[私聊→李网格长] 您已加入民生救助服务队")
    filed = await bot.say(f"{G1} 孙大爷: 独居老人想请人帮忙送药")
    assert any(m.startswith("[私聊→李网格长] 【服务单】T1") for m in filed)
    [took, _told] = await bot.say("[私聊] 李网格长: 接单 T1")
    assert "接单成功：T1" in took
    [removed] = await bot.say(f"{SIX} 王书记: 移出服务队 @李网格长 黄")
    assert "李网格长已移出民生救助服务队" in removed
    filed = await bot.say(f"{G1} 孙大爷: 7栋独居老人想请人陪诊")
    assert not any(m.startswith("[私聊→李网格长] 【服务单】") for m in filed)
    [unknown] = await bot.say(f"{SIX} 王书记: 加入服务队 @李网格长 篮球")
    assert "没有“篮球”服务队" in unknown
