"""Meeting notices go to the six-party group 3 days, 1 day and 1 hour before, with the agenda."""

from __future__ import annotations

from tests.handlers.hall.conftest import (
    DRAIN,
    ELEVATOR,
    G1,
    G2,
    GH_SIX,
    PARKING,
    PLACE,
    SIX,
    at,
    meeting_at,
    notices,
    sweep,
    travel,
)
from tests.support.harness import TestBot

PARTIES = "@王书记 @赵主任 @城管刘队 @实验小学周老师 @张经理 @陈主任 "


def maotang(sent: list[str]) -> list[str]:
    return [m for m in sent if m.startswith(SIX)]


async def test_notice_and_reminders_carry_the_agenda(any_bot: TestBot) -> None:
    bot = any_bot
    bot.clock.now = at(11, 26, 16)  # after this week's meeting: the next is Thursday 12-03
    await bot.say(f"{G1} 李网格长: {ELEVATOR}")
    await bot.say(f"{G1} 孙大爷: 8栋加装电梯的事，维修基金怎么用业主意见不统一")  # a +1
    assert maotang(await travel(bot, at(11, 30, 14, 59))) == []

    [notice] = maotang(await travel(bot, at(11, 30, 15)))
    assert notice.startswith(f"{SIX} {PARTIES}【议事厅会议通知】")
    assert "时间：12月3日（周四）15:00（3天后）" in notice and f"地点：{PLACE}" in notice
    assert "议程（1项）：\n1. T1 8栋想加装电梯" in notice and "（+1人反映）" in notice
    assert "138****5678" in notice and "13812345678" not in notice
    assert "决议 T1 决议内容 责任方" in notice
    assert maotang(await travel(bot, at(11, 30, 15, 5))) == []  # sent once

    bot.clock.now = at(12, 1, 10)
    await bot.say(f"{G2} 黄网格长: {PARKING}")
    [reminder] = maotang(await travel(bot, at(12, 2, 15)))
    assert reminder.startswith(f"{SIX} {PARTIES}【议事厅会议提醒】")
    assert "（明天）" in reminder and "议程（2项）" in reminder
    assert "\n2. T2 小区停车位太少" in reminder

    [last] = maotang(await travel(bot, at(12, 3, 14)))
    assert "【议事厅会议提醒】" in last and "（1小时后）" in last and "议程（2项）" in last
    nxt = meeting_at(bot, "maotang", at(12, 3, 15))
    assert nxt.id is not None
    assert {k: v[1] for k, v in notices(bot, nxt.id).items()} == dict.fromkeys(
        ("meeting_notice_3d", "meeting_notice_1d", "meeting_notice_1h"), "sent"
    )


async def test_an_empty_agenda_is_announced_once(bot: TestBot) -> None:
    # 桂花巷 meets Wednesdays 09:30 and has no difficult ticket.
    await sweep(bot)  # the scheduler plans the meeting on Thursday already
    first = await travel(bot, at(11, 29, 9, 30))
    [notice] = [m for m in first if m.startswith(GH_SIX)]
    assert notice == (
        f"{GH_SIX} 【议事厅会议通知】\n时间：12月2日（周三）09:30（3天后）\n"
        "地点：桂花巷社区议事厅\n"
        "本次议事厅暂无议题。有需要多方商议的难事，可以在群里报事，或发「改为 难事 T12」上会。"
    )
    later = await travel(bot, at(12, 1, 9, 30)) + await travel(bot, at(12, 2, 8, 30))
    assert [m for m in later if m.startswith(GH_SIX)] == []
    gh = meeting_at(bot, "guihua", at(12, 2, 9, 30))
    assert gh.id is not None
    assert notices(bot, gh.id)["meeting_notice_1d"][1] == "skipped"


async def test_after_downtime_only_the_latest_notice_goes_out(bot: TestBot) -> None:
    bot.clock.now = at(11, 26, 16)
    await bot.say(f"{G1} 李网格长: {DRAIN}")
    # The bot was down from Thursday to Wednesday afternoon: 3-day and 1-day notices are due.
    [only] = maotang(await travel(bot, at(12, 2, 16)))
    assert "【议事厅会议通知】" in only and "（明天）" in only and "1. T1 5栋下水道" in only
    nxt = meeting_at(bot, "maotang", at(12, 3, 15))
    assert nxt.id is not None
    outcomes = {k: v[1] for k, v in notices(bot, nxt.id).items()}
    assert outcomes["meeting_notice_3d"] == "skipped" and outcomes["meeting_notice_1d"] == "sent"


async def test_no_notice_for_a_meeting_that_began_or_was_adjourned(bot: TestBot) -> None:
    await bot.say(f"{G1} 李网格长: {ELEVATOR}")
    assert maotang(await travel(bot, at(11, 26, 15, 10))) == []  # the 14:00 one came too late
    bot.clock.now = at(11, 26, 16)
    await bot.say(f"{SIX} 王书记: 休会")
    nxt = meeting_at(bot, "maotang", at(12, 3, 15))
    assert nxt.id is not None
    await bot.say(f"{SIX} 王书记: 召开议事 11月30日 10:00")
    [regular] = maotang(await travel(bot, at(11, 30, 15)))
    assert "12月3日" in regular and "本次议事厅暂无议题" in regular  # the item moved away
    # The extra meeting took the item; its only due notice came after it had begun.
    extra = meeting_at(bot, "maotang", at(11, 30, 10))
    assert extra.id is not None
    assert {v[1] for v in notices(bot, extra.id).values()} == {"skipped"}
