"""The weekly report counts confirmed volunteer hours, and only confirmed ones."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.handlers.teams.test_time_bank import served
from tests.support.followups import FollowUpBot
from tests.support.harness import SHANGHAI

G1, SIX = "[毛塘路1网格]", "[毛塘路社区六方议事群]"


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


async def test_weekly_report_adds_confirmed_volunteer_hours(tmp_path: Path) -> None:
    bot = FollowUpBot.demo(tmp_path)
    try:
        bot.clock.now = at(11, 18, 10)  # a Wednesday
        await bot.run_due()
        await served(bot, "志愿者小杨", "1.5小时")
        await served(bot, "党员吴姐", "2小时")
        # Reported but never confirmed: not counted.
        await bot.say(f"{G1} 孙大爷: 9栋独居老人想请人帮忙送药")
        await bot.say("[私聊] 志愿者小杨: 接单 T3")
        await bot.say("[私聊] 志愿者小杨: 服务 T3 3小时 送药")
        sent = await bot.travel(at(11, 23, 8, 31))
        [weekly] = [m for m in sent if m.startswith(SIX) and "【周报】" in m]
        assert "志愿服务 3.5小时（2 次，已确认）" in weekly
        next_week = await bot.travel(at(11, 30, 8, 31))
        [quiet] = [m for m in next_week if m.startswith(SIX) and "【周报】" in m] or [""]
        assert "志愿服务" not in quiet
    finally:
        bot.close()
