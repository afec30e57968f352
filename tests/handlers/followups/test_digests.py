"""Digests: the daily one, the weekly rates on a known data set, never twice, latest only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import select

from handlers.followups.rates import Rate, Rates, weekly_rates
from storage.models import DigestRun, Ticket, TicketEvent
from tests.support.followups import FollowUpBot
from tests.support.harness import SHANGHAI

G1, SIX, GH_SIX = "[毛塘路1网格]", "[毛塘路社区六方议事群]", "[桂花巷社区六方议事群]"


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def add_ticket(s: Any, n: int, created: datetime, **fields: Any) -> Ticket:
    values: dict[str, Any] = {
        "community_code": "maotang",
        "grid": "1网格",
        "room_id": "room-maotang-g1",
        "reporter_id": "wx-mt-liu",
        "reporter_name": "刘阿姨",
        "text": f"问题 {n}",
        "klass": "small",
        "category": "facility",
        "route": "online",
        "responsible": "property",
        "state": "reported",
        "created_at": created,
        "updated_at": created,
        "source_msg_id": f"seed-{n}",
    }
    values.update(fields)
    t = Ticket(id=n, **values)
    s.add(t)
    return t


def add_event(s: Any, n: int, kind: str, when: datetime, to_state: str | None = None) -> None:
    s.add(
        TicketEvent(
            ticket_id=n, at=when, actor_id="x", actor_name="x", kind=kind, to_state=to_state
        )
    )


def seed_week(bot: FollowUpBot) -> None:
    """The week of Monday 11-16 to Sunday 11-22 in 毛塘路社区, with known outcomes.

    响应率: T1 claimed in time, T2 late, T3 never, T4 到场 in 10 min, T5 in 40 min → 2/5.
    解决率: due in the week T1 ✓, T2 late, T4 reopened, T5 ✓, T8 ✓ (T9 rejected) → 3/5.
    满意率: ratings in the week T1 满意, T4 不满意, T5 基本满意, T8 满意 → 3/4.
    """
    with bot.db.session() as s:
        add_ticket(
            s, 1, at(11, 16, 9), state="closed", due_at=at(11, 19, 18), resolved_at=at(11, 18, 10)
        )
        add_ticket(
            s,
            2,
            at(11, 17, 9),
            state="resolved",
            due_at=at(11, 20, 18),
            resolved_at=at(11, 21, 10),
        )
        add_ticket(s, 3, at(11, 18, 9), category="sanitation", due_at=at(11, 23, 18))
        add_ticket(
            s,
            4,
            at(11, 19, 9),
            klass="urgent",
            category="utilities",
            state="reopened",
            acknowledged_at=at(11, 19, 9, 10),
            due_at=at(11, 20, 9),
        )
        add_ticket(
            s,
            5,
            at(11, 20, 9),
            klass="urgent",
            category="utilities",
            state="closed",
            grid="2网格",
            acknowledged_at=at(11, 20, 9, 40),
            due_at=at(11, 21, 9),
            resolved_at=at(11, 20, 15),
        )
        add_ticket(s, 6, at(11, 21, 9), klass="difficult", grid="2网格")
        add_ticket(s, 7, at(11, 20, 10), state="merged", grid=None)
        add_ticket(
            s, 8, at(11, 12, 9), state="closed", due_at=at(11, 17, 18), resolved_at=at(11, 17, 10)
        )
        add_ticket(s, 9, at(11, 12, 9), state="rejected", due_at=at(11, 18, 18))
        s.flush()
        add_event(s, 1, "claim", at(11, 16, 10), "accepted")
        add_event(s, 1, "rate", at(11, 18, 12), "closed")
        add_event(s, 2, "claim", at(11, 19, 9), "accepted")
        add_event(s, 4, "arrive", at(11, 19, 9, 10), "accepted")
        add_event(s, 4, "rate", at(11, 19, 13), "reopened")
        add_event(s, 5, "arrive", at(11, 20, 9, 40), "accepted")
        add_event(s, 5, "rate", at(11, 20, 16), "closed")
        add_event(s, 8, "rate", at(11, 17, 12), "closed")
        add_event(s, 8, "rate", at(11, 23, 9), "closed")  # the next week: not counted
        s.commit()


async def test_weekly_rates_on_a_known_week(full_bot: FollowUpBot) -> None:
    seed_week(full_bot)
    with full_bot.db.session() as s:
        policy = full_bot.settings.policy
        rates = weekly_rates(s, "maotang", at(11, 16, 0), at(11, 23, 0), policy, at(11, 23, 9))
    assert rates == Rates(response=Rate(2, 5), resolution=Rate(3, 5), satisfaction=Rate(3, 4))


async def test_monday_report_and_daily_digest(full_bot: FollowUpBot) -> None:
    full_bot.clock.now = at(11, 22, 20)
    assert await full_bot.run_due() == []  # the first start: no catch-up
    seed_week(full_bot)
    sent = await full_bot.travel(at(11, 23, 8, 30))
    text = "\n".join(m for m in sent if m.startswith(SIX))
    assert "【周报】11月16日（周一）至11月22日（周日）" in text
    assert "新报事 7 件（急事 2、小事 4、难事 1）" in text
    assert "响应率 40%（2/5）" in text and "解决率 60%（3/5）" in text
    assert "满意率 75%（3/4）" in text
    assert "报事最多的类别：公共设施 4、水电气 2、环境卫生 1" in text
    assert "报事最多的网格：1网格 4、2网格 2" in text
    # Monday's brief covers the weekend too: everything since Friday's.
    assert (
        "【每日简报】11月23日（周一）\n11月20日（周五）以来新报事 3 件（急事 1、小事 1、难事 1）"
        in text
    )
    assert "未办结 3 件（急事 1、小事 1、难事 1）" in text
    # T4 is past its deadline; T3, due tonight, was never claimed within its working day.
    assert "超期 2 件：T4、T3" in text and "今天到期 0 件" in text
    # 桂花巷 has never had a ticket: nothing to report, so no rows of zeros.
    assert not any(m.startswith(GH_SIX) for m in sent)
    assert await full_bot.run_due() == []


async def test_daily_digest_counts_yesterdays_reports(full_bot: FollowUpBot) -> None:
    full_bot.clock.now = at(11, 26, 9)  # a Thursday, after this morning's digest
    await full_bot.run_due()
    await full_bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了")
    await full_bot.say(f"{G1} 刘阿姨: 5栋楼道里煤气味很重")
    await full_bot.say(f"{G1} 李网格长: 到场 T2")
    [digest] = [m for m in await full_bot.travel(at(11, 27, 8)) if m.startswith(SIX)]
    assert "昨日新报事 2 件（急事 1、小事 1、难事 0）" in digest
    assert "超期 0 件" in digest and "今天到期 1 件：T2" in digest


async def test_after_downtime_only_the_latest_digest(full_bot: FollowUpBot) -> None:
    full_bot.clock.now = at(11, 23, 7, 0)
    await full_bot.run_due()  # the bot starts
    await full_bot.say(f"{G1} 李网格长: 3栋2单元门口的路灯坏了")
    monday = await full_bot.travel(at(11, 23, 8, 30))
    assert any("【每日简报】" in m for m in monday)
    # The scheduler did not run from Monday morning to the next Tuesday (a stalled process,
    # not a restart): one daily and one weekly each, not seven.
    sent = await full_bot.travel(at(12, 1, 10))
    six = "\n".join(m for m in sent if m.startswith(SIX))
    assert six.count("【每日简报】") == 1 and "【每日简报】12月1日（周二）" in six
    assert six.count("【周报】") == 1 and "11月23日（周一）至11月29日（周日）" in six
    with full_bot.db.session() as s:
        runs = sorted(
            (r.kind, r.period)
            for r in s.exec(select(DigestRun))
            if r.community_code == "maotang" and r.kind != "seen"
        )
    assert runs == [
        ("daily", "2026-11-23"),
        ("daily", "2026-12-01"),
        ("weekly", "2026-W47"),
        ("weekly", "2026-W48"),
    ]


async def test_a_restart_posts_nothing_twice(full_bot: FollowUpBot, tmp_path: Any) -> None:
    await full_bot.say(f"{G1} 刘阿姨: 5栋楼道里煤气味很重")
    first = await full_bot.travel(at(11, 26, 9, 15))
    assert first and await full_bot.run_due() == []
    again = FollowUpBot(full_bot.settings, clock=full_bot.clock)  # same database, new process
    try:
        assert await again.run_due() == []
    finally:
        again.close()
