"""Rates count only tickets whose outcome is known; a missed first response is 超期, said once."""

from __future__ import annotations

from sqlmodel import select

from bot.web.dashboard_stats import figures
from handlers.followups.rates import Rate, Rates, weekly_rates
from storage.models import TicketEvent
from tests.handlers.followups.test_digests import add_event, add_ticket, at
from tests.support.followups import FollowUpBot

G1, SIX = "[毛塘路1网格]", "[毛塘路社区六方议事群]"


def seed_half_week(bot: FollowUpBot) -> None:
    """Monday 11-23 to Wednesday 11-25 10:00, some deadlines passed and some not.

    响应率 at Wed 10:00: T1 claimed in time ✓, T3 unclaimed past 11-24 18:00 ✗, T5 claimed
    early ✓; T2 (due 11-25 18:00) and the urgent T4 (due 10:05) are still open: 2/3.
    解决率: T1 resolved 11-24 ✓ (its deadline is later), T6 past due 11-23 ✗; T3 not yet: 1/2.
    """
    with bot.db.session() as s:
        add_ticket(
            s, 1, at(11, 23, 9), state="closed", due_at=at(11, 26, 18), resolved_at=at(11, 24, 12)
        )
        add_ticket(s, 2, at(11, 24, 9), due_at=at(11, 27, 18))
        add_ticket(s, 3, at(11, 23, 11), due_at=at(11, 26, 18))
        add_ticket(s, 4, at(11, 25, 9, 50), klass="urgent", due_at=at(11, 26, 9, 50))
        add_ticket(s, 5, at(11, 25, 9), state="accepted", due_at=at(11, 30, 18))
        add_ticket(s, 6, at(11, 18, 9), state="accepted", due_at=at(11, 23, 18))
        s.flush()
        add_event(s, 1, "claim", at(11, 23, 10), "accepted")
        add_event(s, 1, "rate", at(11, 24, 15), "closed")
        add_event(s, 5, "claim", at(11, 25, 9, 30), "accepted")
        add_event(s, 6, "claim", at(11, 18, 10), "accepted")
        s.commit()


async def test_rates_leave_out_tickets_still_within_their_deadline(bot: FollowUpBot) -> None:
    seed_half_week(bot)
    policy = bot.settings.policy
    start, now = at(11, 23, 0), at(11, 25, 10)
    with bot.db.session() as s:
        rates = weekly_rates(s, "maotang", start, now, policy, now)
        assert rates == Rates(Rate(2, 3), Rate(1, 2), Rate(1, 1))
        assert rates.response.label() == "67%（2/3）"
        # The dashboard and /public/stats count the same way.
        assert figures(s, ["maotang"], now, 4, policy).rates["本周"] == rates
        # Thursday evening: T2 and T4 missed their response deadlines; T3 and T4 their
        # resolution deadlines.
        later = at(11, 26, 19)
        rates = weekly_rates(s, "maotang", start, later, policy, later)
        assert rates == Rates(Rate(2, 5), Rate(1, 4), Rate(1, 1))


async def test_a_missed_response_deadline_is_announced_once(bot: FollowUpBot) -> None:
    await bot.say(f"{G1} 刘阿姨: 3栋2单元门口的路灯坏了")  # Thursday 11-26 09:00
    assert not any("【超期】" in m for m in await bot.travel(at(11, 27, 17, 59)))
    [late] = [m for m in await bot.travel(at(11, 27, 18, 1)) if "【超期】" in m]
    assert late.startswith(f"{SIX} @张经理 @王书记 【超期】T1 ")
    assert "已过首次响应期限 11月27日（周五）18:00，仍无人认领" in late
    assert "请回复「认领 T1」" in late
    assert not any("【超期】" in m for m in await bot.advance(minutes=15))
    assert not any("【超期】" in m for m in await bot.advance(days=1))
    again = FollowUpBot(bot.settings, clock=bot.clock, digests=False)  # a restart
    try:
        assert not any("【超期】" in m for m in await again.run_due())
    finally:
        again.close()
    with bot.db.session() as s:
        kinds = [e.kind for e in s.exec(select(TicketEvent).where(TicketEvent.ticket_id == 1))]
    assert kinds.count("late") == 1
    # Counted as 超期 until someone takes it on: in 统计 and on the dashboard alike.
    [stats] = await bot.say(f"{SIX} 王书记: 统计")
    assert "其中超期 1 件" in stats
    with bot.db.session() as s:
        fig = figures(s, ["maotang"], bot.clock.now, 4, bot.settings.policy)
    assert fig.overdue == [("property", 1)]
    await bot.say(f"{SIX} 张经理: 认领 T1")
    [stats] = await bot.say(f"{SIX} 王书记: 统计")
    assert "其中超期 0 件" in stats


async def test_a_claim_in_time_stops_the_late_notice(bot: FollowUpBot) -> None:
    await bot.say(f"{G1} 刘阿姨: 3栋2单元门口的路灯坏了")
    await bot.say(f"{SIX} 张经理: 认领 T1")
    assert not any("【超期】" in m for m in await bot.travel(at(11, 27, 18, 30)))
    with bot.db.session() as s:
        assert not s.exec(select(TicketEvent).where(TicketEvent.kind == "late")).all()


async def test_an_unanswered_urgent_ticket_is_late_without_an_extra_message(
    bot: FollowUpBot,
) -> None:
    await bot.say(f"{G1} 刘阿姨: 5栋楼道里煤气味很重")
    sent = await bot.advance(minutes=16)
    assert not any("【超期】" in m for m in sent)  # its alarm speaks for it
    with bot.db.session() as s:
        late = s.exec(select(TicketEvent).where(TicketEvent.kind == "late")).all()
        assert [e.ticket_id for e in late] == [1]
        assert "超过首次响应期限" in late[0].note
