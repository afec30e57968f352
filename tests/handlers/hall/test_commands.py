"""议程, 召开议事 and 休会, said in the groups; refusals change nothing."""

from __future__ import annotations

from datetime import datetime

import pytest

from handlers.commands.parser import parse
from handlers.understanding import normalize_text
from tests.handlers.hall.conftest import (
    DRAIN,
    ELEVATOR,
    G1,
    G2,
    LAMP,
    PARKING,
    PLACE,
    SIX,
    at,
    meeting_at,
    meetings,
    notices,
    snapshot,
)
from tests.support.harness import TestBot


@pytest.mark.parametrize(
    ("text", "verb", "tickets"),
    [
        ("议程", "agenda", ()),
        ("休会", "adjourn", ()),
        ("召开议事 12月3日 15:00", "convene", ()),
        ("召开议事12月3日15:00", "convene", ()),
        ("决议 T12 同意 责任方 物业 期限 12月20日", "decide", (12,)),
        ("决议T12", "decide", (12,)),
    ],
)
def test_hall_verbs(text: str, verb: str, tickets: tuple[int, ...]) -> None:
    cmd = parse(normalize_text(text))
    assert cmd is not None and (cmd.verb, cmd.tickets) == (verb, tickets)


@pytest.mark.parametrize("text", ["议程安排好了吗", "休会了吗", "决议已经通过了", "召开议事会"])
def test_hall_chatter_is_not_a_command(text: str) -> None:
    assert parse(normalize_text(text)) is None


async def test_agenda_shows_the_next_meeting_to_anyone(bot: TestBot) -> None:
    await bot.say(f"{G1} 李网格长: {ELEVATOR}")
    await bot.say(f"{G1} 李网格长: {LAMP}")  # small: not on the agenda
    [shown] = await bot.say(f"{G1} 刘阿姨: 议程")
    assert shown.startswith(
        f"{G1} @刘阿姨 下次议事厅会议：\n时间：11月26日（周四）15:00（今天）\n地点：{PLACE}\n"
        "议程（1项）：\n1. T1 8栋想加装电梯"
    )
    assert shown.endswith("联系人138****5678") and "T2" not in shown
    bot.clock.now = at(11, 26, 15, 20)
    [live] = await bot.say(f"{SIX} 张经理: 议程")
    assert "正在召开的议事厅会议" in live and "1. T1" in live


@pytest.mark.parametrize(
    ("when", "starts"),
    [
        ("11月30日 15:00", at(11, 30, 15)),
        ("2026-11-30 15:00", at(11, 30, 15)),
        ("下周一 15:00", at(11, 30, 15)),
        ("明天 15:00", at(11, 27, 15)),
        ("明天下午3点", at(11, 27, 15)),
    ],
)
async def test_convene_an_extra_meeting_takes_the_items(
    bot: TestBot, when: str, starts: datetime
) -> None:
    bot.clock.now = at(11, 26, 16)  # the items wait for Thursday 12-03
    await bot.say(f"{G1} 李网格长: {ELEVATOR}")
    await bot.say(f"{G2} 黄网格长: {PARKING}")
    [done] = await bot.say(f"{SIX} 王书记: 召开议事 {when}")
    assert done.startswith(f"{SIX} @王书记 已安排议事厅临时会议。")
    assert "·临时会议）" in done and f"地点：{PLACE}" in done
    assert "议程（2项）：\n1. T1" in done and "\n2. T2" in done
    assert "以上议题已从原定会议移到本次会议" in done
    extra = meeting_at(bot, "maotang", starts)
    assert extra.kind == "extra" and extra.id is not None
    assert bot.ticket(1).meeting_id == bot.ticket(2).meeting_id == extra.id
    assert "meeting_notice_1h" in notices(bot, extra.id)
    # A new difficult report goes to the earliest meeting, the extra one.
    [receipt, _] = await bot.say(f"{G1} 李网格长: {DRAIN}")
    assert bot.ticket(3).meeting_id == extra.id and "临时" not in receipt
    assert f"列入 {done.split('时间：')[1].split('（')[0]}" in receipt


async def test_convene_with_a_place_and_from_a_grid_group(bot: TestBot) -> None:
    replies = await bot.say(f"{G1} 王书记: 召开议事 12月1日 9:30 社区三楼会议室")
    assert [r[: r.index("]") + 1] for r in replies] == [G1, SIX]
    assert "地点：社区三楼会议室" in replies[1]
    assert meeting_at(bot, "maotang", at(12, 1, 9, 30)).place == "社区三楼会议室"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"{SIX} 王书记: 召开议事", "请写会议时间，例如：召开议事 12月3日 15:00"),
        (f"{SIX} 王书记: 召开议事 改天吧", "看不懂会议时间“改天吧”。请这样写：召开议事 12月3日"),
        (f"{SIX} 王书记: 召开议事 11月25日 15:00", "11月25日（周三）15:00 已经过去了"),
        (f"{SIX} 王书记: 召开议事 8:00", "已经过去了"),
        (f"{SIX} 王书记: 召开议事 11月26日 15:00", "已经有议事厅会议了"),
        (f"{SIX} 张经理: 召开议事 12月1日 15:00", "只有社区书记、居委可以用「召开议事」"),
        (f"{G1} 刘阿姨: 召开议事 12月1日 15:00", "只有社区书记、居委可以用「召开议事」"),
        (f"{SIX} 张经理: 休会", "只有社区书记、居委可以用「休会」"),
        (f"{SIX} 赵主任: 休会", "现在没有在开的议事厅会议。下次会议 11月26日（周四）15:00"),
    ],
)
async def test_refusals_change_nothing(bot: TestBot, line: str, expected: str) -> None:
    await bot.say(f"{G1} 李网格长: {ELEVATOR}")
    before = snapshot(bot)
    [refusal] = await bot.say(line)
    assert expected in refusal, refusal
    assert snapshot(bot) == before


async def test_adjourn_rolls_unfinished_items_over(any_bot: TestBot) -> None:
    bot = any_bot
    await bot.say(f"{G1} 李网格长: {ELEVATOR}")
    await bot.say(f"{G2} 黄网格长: {PARKING}")
    await bot.say(f"{G1} 李网格长: {DRAIN}")
    bot.clock.now = at(11, 26, 15, 40)
    await bot.say(f"{SIX} 王书记: 决议 T1 同意动用维修基金加装电梯 责任方 物业 期限 12月20日")
    await bot.say(f"{SIX} 张经理: 办结 T3 已疏通并更换管道")  # settled outside the hall
    bot.clock.now = at(11, 26, 16, 30)
    [closed] = await bot.say(f"{SIX} 赵主任: 休会")
    assert closed.startswith(
        f"{SIX} @赵主任 11月26日（周四）15:00 的议事厅会议已休会。\n已决议（1项）：\n"
        "T1 同意动用维修基金加装电梯——责任方：物业，期限 12月20日（周日）18:00\n"
        f"未议完（1项），转入下次会议 12月3日（周四）15:00（{PLACE}）：\n"
        "1. T2 小区停车位太少"
    ) and closed.endswith("要业委会和物业一起商量")
    today, nxt = (
        meeting_at(bot, "maotang", at(11, 26, 15)),
        meeting_at(bot, "maotang", at(12, 3, 15)),
    )
    assert today.state == "adjourned" and nxt.state == "scheduled"
    assert bot.ticket(1).meeting_id == today.id  # decided here: stays in this meeting's record
    assert bot.ticket(2).meeting_id == nxt.id
    [shown] = await bot.say(f"{G2} 黄网格长: 议程")
    assert "12月3日（周四）15:00" in shown and "1. T2" in shown and "T1" not in shown
    [again] = await bot.say(f"{SIX} 赵主任: 休会")
    assert "现在没有在开的议事厅会议" in again
    assert len([m for m in meetings(bot) if m.community_code == "maotang"]) == 2
