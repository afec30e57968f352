"""What the groups see when traffic is heavy: urgent first, quiet nights, floods, big incidents."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from handlers.dispatcher import SORRY
from handlers.sending import TOO_FAST
from storage.models import OutboxMessage, Ticket
from storage.outbox import MENTIONS_PER_MESSAGE
from tests.support.followups import FollowUpBot
from tests.support.harness import SHANGHAI, TestBot

G1, SIX = "[毛塘路1网格]", "[毛塘路社区六方议事群]"
GAS = "3栋2单元楼道里煤气味很重"
NIGHT = datetime(2026, 11, 26, 23, 0, tzinfo=SHANGHAI)  # a Thursday
MORNING = datetime(2026, 11, 27, 7, 30, tzinfo=SHANGHAI)


# ``bot`` (tests/handlers/conftest.py): every queued message goes out at once, so tests see
# what was queued.


@pytest.fixture
def shipped(tmp_path: Path) -> Iterator[FollowUpBot]:
    """The demo bot sending as the app does: the shipped rate limits and quiet hours."""
    b = FollowUpBot.demo(tmp_path, digests=False, shipped_sender=True)
    yield b
    b.close()


def pending(bot: TestBot) -> list[OutboxMessage]:
    with bot.db.session() as s:
        stmt = select(OutboxMessage).where(col(OutboxMessage.delivered_at).is_(None))
        return list(s.exec(stmt.order_by(col(OutboxMessage.id))))


def mentions(message: str) -> int:
    """How many people a captured message @-mentions (they are written before the text)."""
    body = message.split("] ", 1)[1]
    return len([w for w in body.split(" ") if w.startswith("@")])


async def test_a_gas_leak_receipt_jumps_a_busy_group(shipped: FollowUpBot) -> None:
    for n in range(1, 21):  # a grid leader relays twenty small reports in a minute
        await shipped.say(f"{G1} 李网格长: {n}栋门口的路灯坏了")
    assert len(pending(shipped)) > 20  # receipts and cards wait for the sending limits

    out = await shipped.say(f"{G1} 刘阿姨: {GAS}")

    # The next messages sent are the gas leak's receipt and card, nothing routine between.
    assert len(out) == 2
    receipt, card = sorted(out, key=lambda m: not m.startswith(G1))
    assert receipt.startswith(f"{G1} @刘阿姨") and "T21（急事" in receipt
    assert card.startswith(SIX) and "【T21 急事" in card
    # What stops: the routine backlog is not dropped, it follows in its own order.
    for _ in range(12):
        await shipped.advance(minutes=1)
    assert pending(shipped) == []
    receipts = [m for m in shipped.channel.sent if m.startswith(f"{G1} @李网格长 已登记")]
    assert [m.split("已登记 ", 1)[1].split("（")[0] for m in receipts] == [
        f"T{n}" for n in range(1, 21)
    ]


async def test_night_notices_wait_for_morning_and_come_as_one(shipped: FollowUpBot) -> None:
    shipped.clock.now = NIGHT
    out = await shipped.say(f"{G1} 刘阿姨: 3栋门口的路灯坏了")
    assert len(out) == 1 and out[0].startswith(f"{G1} @刘阿姨 已登记 T1")  # she hears at once
    assert await shipped.say(f"{SIX} 张经理: 认领 T1") == [
        f"{SIX} @张经理 好的，T1 由您负责。办好后回复「办结 T1 结果」。"
    ]
    shipped.clock.advance(minutes=5)
    [answer] = await shipped.say(f"{SIX} 张经理: 进展 T1 已联系电工，明天上门")
    assert answer.startswith(SIX) and "已记下 T1 的进展" in answer
    held = pending(shipped)
    assert len(held) == 3  # the card to the six parties, the claim and the progress notices
    assert all(r.kind == "followup" and not r.urgent for r in held)
    assert all(r.not_before == MORNING for r in held)

    # What stops: nothing more at night, however the clock moves.
    assert await shipped.travel(MORNING - timedelta(minutes=1)) == []

    morning = await shipped.travel(MORNING)
    to_grid = [m for m in morning if m.startswith(G1)]
    assert len(to_grid) == 1  # coalesced: one message for the group
    assert "T1 已由" in to_grid[0] and "认领" in to_grid[0] and "已联系电工" in to_grid[0]
    assert any(m.startswith(SIX) and "【T1 小事" in m for m in morning)
    assert pending(shipped) == []


async def test_urgent_news_breaks_the_quiet_hours(shipped: FollowUpBot) -> None:
    shipped.clock.now = NIGHT
    out = await shipped.say(f"{G1} 刘阿姨: {GAS}")
    assert len(out) == 2 and any(m.startswith(SIX) and "【T1 急事" in m for m in out)
    arrived = await shipped.say(f"{SIX} 张经理: 到场 T1")
    assert any(m.startswith(G1) and "已回复到场" in m for m in arrived)
    shipped.clock.advance(minutes=30)
    [resolved] = [
        m for m in await shipped.say(f"{SIX} 张经理: 办结 T1 已关阀通风") if m.startswith(G1)
    ]
    assert "@刘阿姨" in resolved and "T1 已办结" in resolved
    assert pending(shipped) == []  # nothing about an urgent ticket waits for the morning


async def test_one_persons_flood_is_limited_and_nothing_is_lost(bot: TestBot) -> None:
    to_grid: list[str] = []
    for n in range(1, 11):  # ten reports within a minute
        out = await bot.say(f"{G1} 孙大爷: {n}栋门口的路灯坏了")
        to_grid += [m for m in out if m.startswith(G1)]
        bot.clock.advance(seconds=5)
    assert len(to_grid) == 4  # three answers, then one line saying he is too fast
    assert all("@孙大爷 已登记" in m for m in to_grid[:3])
    assert to_grid[3] == f"{G1} @孙大爷 {TOO_FAST}"
    with bot.db.session() as s:  # every report is still filed, and the parties hear of it
        assert len(list(s.exec(select(Ticket).where(Ticket.reporter_name == "孙大爷")))) == 10
    assert sum(1 for m in bot.channel.sent if m.startswith(SIX) and "门口的路灯坏了" in m) == 10

    # Someone else in the same group is answered as usual.
    [theirs] = [m for m in await bot.say(f"{G1} 刘阿姨: 9号楼垃圾桶满了没人清") if G1 in m]
    assert theirs.startswith(f"{G1} @刘阿姨 已登记")
    # Urgent always goes, even from the one who flooded.
    out = await bot.say(f"{G1} 孙大爷: {GAS}")
    assert any(m.startswith(f"{G1} @孙大爷") and "急事" in m for m in out)
    # Still sending: still limited (no second warning).
    bot.clock.advance(seconds=40)
    assert [m for m in await bot.say(f"{G1} 孙大爷: 11栋路灯也坏了") if G1 in m] == []
    # A quiet minute ends the flood.
    bot.clock.advance(seconds=61)
    [again] = [m for m in await bot.say(f"{G1} 孙大爷: 12栋门口的路灯坏了") if G1 in m]
    assert again.startswith(f"{G1} @孙大爷 已登记")


async def test_staff_are_not_limited(bot: TestBot) -> None:
    for n in range(1, 6):
        await bot.say(f"{G1} 刘阿姨: {n}栋门口的路灯坏了")
        bot.clock.advance(minutes=1)
    for n in range(1, 6):
        out = await bot.say(f"{SIX} 张经理: 认领 T{n}")
        assert out[0] == f"{SIX} @张经理 好的，T{n} 由您负责。办好后回复「办结 T{n} 结果」。"


async def test_a_ticket_with_a_hundred_and_twenty_reporters_can_be_closed(bot: TestBot) -> None:
    await bot.say(f"{G1} 刘阿姨: 3栋门口的路灯坏了")
    for n in range(120):
        await bot.say(f"{G1} 居民{n}: 3栋门口的路灯坏了")
    assert bot.ticket(1).plus_ones == 120

    out = await bot.say(f"{SIX} 张经理: 办结 T1 已更换灯泡")

    assert SORRY not in "".join(out)
    assert out[0] == f"{SIX} @张经理 T1 已办结，已通知反映人。"
    told = [m for m in out if m.startswith(G1)]
    assert len(told) == 5 and all(mentions(m) == MENTIONS_PER_MESSAGE for m in told)
    assert "T1 已办结" in told[0] and "共 121 人反映，这里提醒了其中 100 位" in told[0]
    assert all("（接上条）T1" in m for m in told[1:])
    assert bot.ticket(1).state == "resolved"


async def test_a_small_incident_is_told_in_one_message(bot: TestBot) -> None:
    await bot.say(f"{G1} 刘阿姨: 3栋门口的路灯坏了")
    await bot.say(f"{G1} 孙大爷: 3栋门口的路灯坏了")
    out = await bot.say(f"{SIX} 张经理: 办结 T1 已更换灯泡")
    [told] = [m for m in out if m.startswith(G1)]
    assert told.startswith(f"{G1} @刘阿姨 @孙大爷 您反映的 T1 已办结") and "共" not in told


async def test_one_person_repeating_a_report_is_one_reporter(bot: TestBot) -> None:
    await bot.say(f"{G1} 刘阿姨: 3栋门口的路灯坏了")
    await bot.say(f"{G1} 孙大爷: 3栋门口的路灯坏了")
    for _ in range(5):
        bot.clock.advance(minutes=2)  # slowly: this is about counting, not floods
        [again] = await bot.say(f"{G1} 孙大爷: 3栋门口的路灯还是坏的")
    assert "您反映过了" in again and "共 2 人反映" in again
    assert bot.ticket(1).plus_ones == 1
    [status] = await bot.say(f"{G1} 刘阿姨: 查询 T1")
    assert "共 2 人反映" in status


async def test_merging_tickets_counts_each_person_once(bot: TestBot) -> None:
    await bot.say(f"{G1} 刘阿姨: 3栋门口的路灯坏了")
    await bot.say(f"{G1} 孙大爷: 3栋门口的路灯坏了")
    bot.clock.advance(minutes=1)
    await bot.say(f"{G1} 孙大爷: 3栋门口垃圾堆了三天没人清")  # his second ticket
    assert bot.ticket(2).reporter_name == "孙大爷"
    [done, *_] = await bot.say(f"{SIX} 张经理: 合并 T2 T1")
    assert "已把 T2 并入 T1，共 2 人反映" in done
    assert bot.ticket(1).plus_ones == 1
