"""决议: the resolution is recorded, the party assigned, the deadline set, the reporter told."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.models import TicketEvent
from tests.handlers.hall.conftest import (
    ELEVATOR,
    G1,
    LAMP,
    SIX,
    at,
    meeting_at,
    snapshot,
    sweep,
)
from tests.support.harness import TestBot

DECIDE = "决议 T1 同意动用维修基金加装电梯 责任方 物业 期限 12月20日"


async def test_resolution_assigns_sets_the_deadline_and_tells_the_reporter(
    any_bot: TestBot,
) -> None:
    bot = any_bot
    await bot.say(f"{G1} 李网格长: {ELEVATOR}")
    await bot.say(f"{SIX} 赵主任: 认领 T1")  # the committee held it before the meeting
    bot.clock.now = at(11, 26, 15, 30)
    [minuted, told] = await bot.say(f"{SIX} 王书记: {DECIDE}")
    assert minuted == (
        f"{SIX} @张经理 T1 议事厅决议：同意动用维修基金加装电梯\n责任方：物业\n"
        "期限：12月20日（周日）18:00\n到期前会催办，超期会在六方群通报。"
    )
    assert told == (
        f"{G1} @李网格长 您反映的 T1 经议事厅议定：同意动用维修基金加装电梯。"
        "责任方：物业，期限 12月20日（周日）18:00。"
    )
    t = bot.ticket(1)
    assert t.resolution == "同意动用维修基金加装电梯"
    assert (t.responsible, t.assignee_id, t.state) == ("property", None, "in_progress")
    assert t.due_at == at(12, 20, 18)
    with bot.db.session() as s:
        last = s.exec(select(TicketEvent).where(TicketEvent.ticket_id == 1)).all()[-1]
    assert (last.kind, last.from_state, last.to_state) == ("resolution", "accepted", "in_progress")
    assert "责任方：物业" in last.note and last.actor_name == "王书记"


async def test_resolution_to_a_person_with_other_wording(bot: TestBot) -> None:
    await bot.say(f"{G1} 李网格长: {ELEVATOR}")
    [minuted, _] = await bot.say(
        f"{SIX} 赵主任: 决议 T1：先做业主意见征询，期限：2026-12-10前，责任方：@陈主任"
    )
    assert minuted.startswith(f"{SIX} @陈主任 T1 议事厅决议：先做业主意见征询")
    t = bot.ticket(1)
    assert (t.responsible, t.assignee_name) == ("owners", "陈主任")
    assert t.due_at == at(12, 10, 18)
    [minuted, _] = await bot.say(
        f"{SIX} 赵主任: 决议 T1 限定期限内完成征询 责任方 业委会 期限 12月10日"
    )
    assert "决议：限定期限内完成征询\n责任方：业委会" in minuted
    # Decided again at a later meeting: amended, and the card says so.
    [amended, _] = await bot.say(f"{SIX} 赵主任: 决议 T1 征询延期 责任方 业委会 期限 12月17日")
    assert "议事厅修改决议：征询延期" in amended
    assert bot.ticket(1).due_at == at(12, 17, 18) and bot.ticket(1).assignee_id is None
    [card] = await bot.say(f"{SIX} 赵主任: 转交 T1 物业")
    assert "议事厅已决议：征询延期，期限 12月17日（周四）18:00" in card


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("王书记: 决议", "请写上工单号，例如：决议 T12"),
        ("王书记: 决议 T1", "缺少决议内容、责任方、期限。请按格式写：决议 T1 决议内容 责任方"),
        ("王书记: 决议 T1 同意加装电梯", "缺少责任方、期限。"),
        ("王书记: 决议 T1 同意加装 责任方 物业", "缺少期限。"),
        ("王书记: 决议 T1 责任方 物业 期限 12月20日", "缺少决议内容。"),
        ("王书记: 决议 T1 同意 期限 12月20日 责任方 物业 期限 明年", "看不懂期限“明年”"),
        ("王书记: 决议 T1 同意 责任方 隔壁老王 期限 12月20日", "不知道责任方“隔壁老王”是谁"),
        ("王书记: 决议 T1 同意 责任方 物业 期限 下个月吧", "看不懂期限“下个月吧”"),
        (
            "王书记: 决议 T1 同意 责任方 物业 期限 11月20日",
            "期限 11月20日（周五）18:00 已经过去了",
        ),
        ("王书记: 决议 T2 同意 责任方 物业 期限 12月20日", "T2 是小事，不上议事厅，不用决议"),
        ("王书记: 决议 T9 同意 责任方 物业 期限 12月20日", "没有找到工单 T9"),
        ("张经理: 决议 T1 同意 责任方 物业 期限 12月20日", "只有社区书记、居委可以用「决议」"),
        ("刘阿姨: 决议 T1 同意 责任方 物业 期限 12月20日", "只有社区书记、居委可以用「决议」"),
    ],
)
async def test_refusals_change_nothing(bot: TestBot, said: str, expected: str) -> None:
    await bot.say(f"{G1} 李网格长: {ELEVATOR}")
    await bot.say(f"{G1} 李网格长: {LAMP}")
    before = snapshot(bot)
    [refusal] = await bot.say(f"{SIX} {said}")
    assert expected in refusal, refusal
    assert snapshot(bot) == before


async def test_a_finished_ticket_cannot_be_decided(bot: TestBot) -> None:
    await bot.say(f"{G1} 李网格长: {ELEVATOR}")
    await bot.say(f"{SIX} 赵主任: 驳回 T1 不属于社区管理范围")
    [refusal] = await bot.say(f"{SIX} 王书记: {DECIDE}")
    assert "T1 已驳回，不能再操作" in refusal


async def test_an_unsatisfied_reporter_sends_it_back_to_the_hall(bot: TestBot) -> None:
    await bot.say(f"{G1} 李网格长: {ELEVATOR}")
    bot.clock.now = at(11, 26, 15, 30)
    await bot.say(f"{SIX} 王书记: {DECIDE}")
    await bot.say(f"{SIX} 赵主任: 休会")
    await bot.say(f"{SIX} 张经理: 办结 T1 电梯已装好")
    await bot.say(f"{G1} 李网格长: 评价 T1 不满意 只装到五楼")
    assert bot.ticket(1).state == "reopened"
    await sweep(bot)
    assert bot.ticket(1).meeting_id == meeting_at(bot, "maotang", at(12, 3, 15)).id
    [shown] = await bot.say(f"{SIX} 赵主任: 议程")
    assert "12月3日（周四）15:00" in shown and "1. T1 8栋想加装电梯" in shown
