"""The alarm ladder's bars: a day after a claim, two days unanswered, the cap, a restart.

The clock moves in five-minute steps, as the running bot's scheduler would, and every message
the bot sends on its own is counted (all rooms and private messages together).
"""

from __future__ import annotations

from pathlib import Path

from tests.support.followups import FollowUpBot

G1, G2, SIX = "[毛塘路1网格]", "[毛塘路2网格]", "[毛塘路社区六方议事群]"
GAS = f"{G1} 刘阿姨: 3栋2单元楼道里煤气味很重"
ALARMS = ("【急事再提醒】", "【急事升级】", "【急事上报街道】", "【急事仍无人回应】")
QUOTE = "「社区小助手：【急事再提醒】T1 3栋2单元楼道里煤气味很重 已 15 分钟无人回应」"
DASHES = " - - - - - - - - - - - - - - - "


async def run_for(bot: FollowUpBot, hours: float, step_minutes: int = 5) -> list[str]:
    """What the bot sends on its own while ``hours`` pass, run every ``step_minutes``."""
    sent: list[str] = []
    for _ in range(int(hours * 60 // step_minutes)):
        sent += await bot.advance(minutes=step_minutes)
    return sent


def alarms(sent: list[str]) -> list[str]:
    return [m for m in sent if any(a in m for a in ALARMS)]


async def test_a_claimed_ticket_gets_at_most_two_messages_in_the_next_day(
    bot: FollowUpBot,
) -> None:
    await bot.say(GAS)
    await bot.advance(minutes=5)
    [mine, *_] = await bot.say(f"{SIX} 张经理: 认领 T1")
    assert "群里的急事提醒已停止" in mine and "到场 T1" in mine
    day = await run_for(bot, 24)
    assert len(day) <= 2, day
    assert alarms(day) == []
    nudge, overdue = day
    assert nudge.startswith("[私聊→张经理] 【到场提醒】") and "到场 T1" in nudge
    assert "【超期】T1" in overdue


async def test_an_unanswered_ticket_is_alarmed_between_2_and_20_times_in_two_days(
    bot: FollowUpBot,
) -> None:
    await bot.say(GAS)
    sent = await run_for(bot, 48)
    assert 2 <= len(sent) <= 20, len(sent)
    # Day one: 15, 30, 60 minutes (both groups), then 3, 5 and 7 hours (six parties alone);
    # day two: six reminders from 24 hours on, every two hours; day three's first at 48 hours.
    assert [sum(a in m for m in sent) for a in ALARMS] == [2, 2, 2, 3 + 6 + 1]
    # Each day's last reminder says the cap is reached and when the next one comes.
    capped = [m for m in sent if "今天的提醒已到上限" in m]
    assert len(capped) == 2 and "下次 11月27日（周五）09:00" in capped[0]


async def test_a_quoted_reply_from_a_responder_stops_the_alarm_for_everyone(
    bot: FollowUpBot,
) -> None:
    await bot.say(GAS)
    assert len(alarms(await bot.advance(minutes=15))) == 2
    [mine, *told] = await bot.say(f"{SIX} 城管刘队: {QUOTE}{DASHES}我们马上过去")
    assert "群里的急事提醒已停止" in mine and "由城管刘队跟进" in mine
    assert told == [f"{G1} T1：城管刘队已回应，正在处理。"]
    assert bot.ticket(1).assignee_name == "城管刘队"
    day = await run_for(bot, 23)
    assert alarms(day) == [] and len(day) == 1 and day[0].startswith("[私聊→城管刘队]")


async def test_a_quoted_command_acts_on_the_quoted_ticket(bot: FollowUpBot) -> None:
    await bot.say(GAS)
    await bot.advance(minutes=15)
    replies = await bot.say(f"{G1} 李网格长: {QUOTE}{DASHES}到场")
    assert any("李网格长负责 T1 现场处置" in r for r in replies), replies
    assert bot.ticket(1).acknowledged_at is not None
    assert await run_for(bot, 6) == []


async def test_the_holder_quotes_the_private_nudge_to_confirm(bot: FollowUpBot) -> None:
    await bot.say(GAS)
    await bot.say(f"{SIX} 张经理: 认领 T1")
    [nudge] = await bot.advance(minutes=30)
    assert nudge.startswith("[私聊→张经理] 【到场提醒】")
    quoted = "「社区小助手：" + nudge.split("] ", 1)[1] + "」"
    [done, *_] = await bot.say(f"[私聊] 张经理: {quoted}{DASHES}到场")
    assert done.startswith("[私聊→张经理] 收到，张经理负责 T1 现场处置")
    assert bot.ticket(1).acknowledged_at is not None


async def test_a_resident_quoting_the_alarm_does_not_stop_it(bot: FollowUpBot) -> None:
    await bot.say(GAS)
    await bot.advance(minutes=15)
    [status] = await bot.say(f"{G1} 孙大爷: {QUOTE}{DASHES}怎么还没人来")
    assert status.startswith(f"{G1} @孙大爷 T1 ") and "T2" not in status  # not a new report
    assert bot.ticket(1).answered_at is None
    assert len(alarms(await bot.advance(minutes=15))) == 2


async def test_progress_stops_the_alarm_and_transfer_resumes_it(bot: FollowUpBot) -> None:
    await bot.say(GAS)
    await bot.advance(minutes=15)
    [mine, *_] = await bot.say(f"{SIX} 张经理: 进展 T1 已通知燃气公司")
    assert "群里的急事提醒已停止" in mine
    assert alarms(await run_for(bot, 2)) == []
    # Handed to another party with nobody on site: the ladder resumes at its next slot.
    await bot.say(f"{SIX} 张经理: 转交 T1 职能部门")
    later = await run_for(bot, 1.5)
    assert len(later) == 3 and all("【急事上报" in m for m in later), later


async def test_tickets_due_together_share_one_message_per_room(bot: FollowUpBot) -> None:
    await bot.say(GAS)
    await bot.say(f"{G1} 孙大爷: 5栋电梯里有人被困，按警铃没人应")
    assert bot.ticket(2).klass == "urgent"
    sent = await bot.advance(minutes=15)
    assert len(sent) == 2  # the six-party group and 1网格, each one message for both
    assert all("【急事再提醒】T1" in m and "【急事再提醒】T2" in m for m in sent)


async def test_a_restart_resumes_the_ladder_at_the_right_rung(
    bot: FollowUpBot, tmp_path: Path
) -> None:
    await bot.say(GAS)
    assert len(await bot.advance(minutes=15)) == 2  # the first rung, then the bot stops
    restarted = FollowUpBot(bot.settings, digests=False)  # same database, a new process
    try:
        restarted.clock.now = bot.clock.now
        caught_up = await restarted.advance(minutes=60)  # back at 75 minutes
        assert len(caught_up) == 3  # both groups, and the street privately
        assert all("【急事上报" in m and "1 小时 15 分钟" in m for m in caught_up)
        assert await restarted.advance(minutes=104) == []
        [next_rung] = await restarted.advance(minutes=1)  # 3 hours, as if never down
        assert "【急事仍无人回应】T1" in next_rung
    finally:
        restarted.close()
