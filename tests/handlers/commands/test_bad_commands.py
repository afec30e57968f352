"""Malformed commands get a short, clear answer and change nothing; concurrent claims are safe."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from sqlmodel import select

from storage.db import Database
from storage.models import Member, Ticket, TicketEvent
from tests.support.harness import TestBot

G1, SIX = "[毛塘路1网格]", "[毛塘路社区六方议事群]"


def snapshot(bot: TestBot) -> tuple[list[tuple[object, ...]], int]:
    with bot.db.session() as s:
        tickets = [
            (t.id, t.state, t.assignee_id, t.klass, t.responsible, t.plus_ones, t.rating)
            for t in s.exec(select(Ticket).order_by(Ticket.id))
        ]
        return tickets, len(list(s.exec(select(TicketEvent))))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"{SIX} 张经理: 认领 T99", "没有找到工单 T99"),
        (f"{SIX} 张经理: 认领", "请写上工单号，例如：认领 T12"),
        (f"{SIX} 张经理: 到场", "请写上工单号"),
        (f"{SIX} 张经理: 认领 T1 T2", "一次只能处理一个工单，您写了 T1、T2"),
        (f"{SIX} 张经理: 办结 T1", "请写上处理结果，例如：办结 T1 已更换灯泡"),
        (f"{SIX} 张经理: 驳回 T1", "请写上驳回原因，例如：驳回 T1 不属于社区管理范围"),
        (f"{SIX} 张经理: 进展 T2", "请写上进展，例如：进展 T2 已联系电工，明天上门"),
        (f"{SIX} 张经理: 转交 T1", "请写转交给谁"),
        (f"{SIX} 张经理: 转交 T1 隔壁老王", "不知道“隔壁老王”是谁"),
        (f"{SIX} 张经理: 改为 T1", "请写改成什么"),
        (f"{SIX} 张经理: 合并 T1", "请写两个工单号"),
        (f"{SIX} 张经理: 合并 T1 T1", "两个工单号是同一个"),
        (f"{G1} 李网格长: 评价 T1 还行吧", "评价 T1 满意"),
        (f"{G1} 李网格长: 评价 T1 满意", "办结以后才能评价"),
        (f"{G1} 刘阿姨: 查询", "请写要查的词或工单号"),
        (f"{G1} 刘阿姨: 查询 %", "请写要查的词或工单号"),
        (f"{G1} 刘阿姨: 查询 '", "请写要查的词或工单号"),
        (f"{G1} 刘阿姨: 查询 *", "请写要查的词或工单号"),
        (f"{G1} 刘阿姨: 查询 T1 T2", "一次查一个工单号"),
        (f"{G1} 刘阿姨: 查询 火箭发射", "没有找到和“火箭发射”有关的工单"),
        (f"{G1} 刘阿姨: 查询 路灯 OR 1=1", "和“路灯 OR 1=1”"),
        (f"{G1} 刘阿姨: 设置角色 @刘阿姨 社区书记", "只有社区书记可以用「设置角色」"),
    ],
)
async def test_each_gets_a_clear_answer_and_changes_nothing(
    bot: TestBot, line: str, expected: str
) -> None:
    await bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了")
    await bot.say(f"{G1} 刘阿姨: 7栋电梯按钮不灵了")
    before = snapshot(bot)
    replies = await bot.say(line)
    assert len(replies) == 1, replies
    assert expected in replies[0], replies[0]
    assert len(replies[0]) < 200  # short
    assert snapshot(bot) == before


async def test_500_commands_in_a_burst(bot: TestBot) -> None:
    await bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了")
    lines = (
        [f"{SIX} 张经理: 认领 T1"]
        + [f"{SIX} {name}: 认领 T1" for name in ("赵主任", "王书记", "陈主任") * 166]
        + [f"{SIX} 张经理: 查询 T1"]
    )
    events = [bot.event(line) for line in lines]
    results = await asyncio.gather(*(bot.dispatcher.process(ev) for ev in events))
    assert len(results) == 500 and all(len(r) >= 1 for r in results)
    assert sum("由您负责" in r[0].text for r in results) == 1
    assert sum("已由张经理认领" in r[0].text for r in results) == 498
    with bot.db.session() as s:
        kinds = [e.kind for e in s.exec(select(TicketEvent))]
    assert kinds == ["reported", "claim"]


def _claim_at_once(db: Database, bot: TestBot, names: list[str]) -> list[str]:
    """Several people claim T1 at the same moment, each in a thread of its own."""
    events = [bot.event(f"{SIX} {n}: 认领 T1") for n in names]
    barrier = threading.Barrier(len(events))
    answers: list[str] = []

    def claim(ev: object) -> None:
        barrier.wait()
        answers.extend(r.text for r in bot.dispatcher.process_sync(ev))  # type: ignore[arg-type]

    threads = [threading.Thread(target=claim, args=(ev,)) for ev in events]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


async def test_concurrent_claims_exactly_one_wins(database: Database, tmp_path: Path) -> None:
    bot = TestBot.from_example(tmp_path, database_url=database.url)
    try:
        await bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了")
        names = ["张经理", "赵主任", "王书记", "陈主任"]
        answers = _claim_at_once(database, bot, names)
        winners = [a for a in answers if "由您负责" in a]
        assert len(winners) == 1
        with bot.db.session() as s:
            t = s.get(Ticket, 1)
            assert t is not None and t.assignee_name in names
            assert (
                sum(a.endswith(f"T1 已由{t.assignee_name}认领，不用重复认领。") for a in answers)
                == 3
            )
            claims = s.exec(select(TicketEvent).where(TicketEvent.kind == "claim")).all()
            assert len(claims) == 1
            assert s.exec(select(Member)).first() is not None
    finally:
        bot.close()
