"""The working-day calendar: hall meetings and digests across National Day 2026 and a
configured Spring Festival 2027, no catch-up at a first start, one line after a long downtime.

chinesecalendar 1.11.0 knows 2026 (National Day 10-01…10-07, 10-10 a working Saturday) but not
2027; the 2027 dates below are given through ``[calendar]`` in the test, as a deployment would
before the package carries them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import chinese_calendar
import pytest
from sqlmodel import select

from handlers.context import Services
from handlers.followups.deadlines import response_deadline
from handlers.workdays import ExtraDays, is_workday, use_extra_days
from storage.models import Meeting
from tests.support.fakes import NothingUnderstood
from tests.support.followups import FollowUpBot
from tests.support.harness import SHANGHAI

G1, SIX = "[毛塘路1网格]", "[毛塘路社区六方议事群]"
ELEVATOR = "小区想加装电梯，需要动用维修基金，业主意见不统一"
LAMP = "3栋2单元门口的路灯坏了"
# A Spring Festival 2027 as a deployment would configure it (Sat 02-06 is New Year's Eve).
SPRING_2027 = ExtraDays(
    holidays=frozenset(date(2027, 2, 5) + timedelta(days=i) for i in range(9)),  # 02-05…02-13
    workdays=frozenset({date(2027, 2, 20)}),
)


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def spring_2027() -> Iterator[None]:
    use_extra_days(SPRING_2027)
    yield
    use_extra_days(ExtraDays())


def test_the_calendar_the_tests_rely_on() -> None:
    assert [chinese_calendar.is_workday(date(2026, 10, d)) for d in range(1, 12)] == [
        *[False] * 7,
        True,  # Thursday 10-08: back at work
        True,
        True,  # Saturday 10-10: an adjusted working day
        False,
    ]
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 2, 8))
    assert is_workday(date(2027, 2, 8))  # unknown year, no [calendar]: Monday to Friday


async def test_a_difficult_report_before_national_day_goes_to_the_first_working_thursday(
    full_bot: FollowUpBot,
) -> None:
    full_bot.clock.now = at(2026, 9, 29, 10)
    await full_bot.run_due()
    [receipt, *_] = await full_bot.say(f"{G1} 刘阿姨: {ELEVATOR}")
    assert "10月8日（周四）15:00 议事厅" in receipt and "10月1日" not in receipt
    sent, by_day = [], {}
    for day in range(29, 38):  # 09-30 through the holiday to the meeting day, hour by hour
        for hour in range(8, 20):
            moment = at(2026, 9, 1, hour) + timedelta(days=day)
            said = [m for m in await full_bot.travel(moment) if m.startswith(SIX)]
            sent += said
            by_day.setdefault(moment.date(), []).extend(m for m in said if "议事厅会议" in m)
    notes = [m for m in sent if "议事厅会议" in m]
    assert notes and all("10月8日（周四）15:00" in m for m in notes)
    # The notice due on 10-05 and the reminder due on 10-07 go out before the holiday, as one.
    assert [len(by_day[date(2026, 9, 30)]), len(by_day[date(2026, 10, 8)])] == [1, 1]
    assert not any(by_day[date(2026, 10, d)] for d in range(1, 8))
    assert not any("10月1日" in m for m in sent)
    with full_bot.db.session() as s:
        starts = [m.starts_at for m in s.exec(select(Meeting)) if m.state == "scheduled"]
    assert at(2026, 10, 1, 15) not in starts


async def test_an_extra_meeting_on_a_holiday_is_allowed_with_a_note(
    full_bot: FollowUpBot,
) -> None:
    full_bot.clock.now = at(2026, 9, 28, 10)
    [reply, *_] = await full_bot.say(f"{SIX} 王书记: 召开议事 10月3日 10:00")
    assert "已安排议事厅临时会议" in reply and "10月3日（周六）10:00" in reply
    assert "注意：这天是法定节假日" in reply
    [reply, *_] = await full_bot.say(f"{SIX} 王书记: 召开议事 10月9日 10:00")
    assert "法定节假日" not in reply


async def test_a_meeting_planned_on_a_holiday_is_cancelled_and_its_items_move(
    full_bot: FollowUpBot,
) -> None:
    full_bot.clock.now = at(2026, 9, 28, 10)
    await full_bot.run_due()
    with full_bot.db.session() as s:  # an older version put the meeting on National Day
        s.add(
            Meeting(
                community_code="maotang",
                starts_at=at(2026, 10, 1, 15),
                place="议事厅",
                created_at=full_bot.clock.now,
            )
        )
        s.commit()
    await full_bot.say(f"{G1} 刘阿姨: {ELEVATOR}")
    sent = await full_bot.travel(at(2026, 9, 30, 15))
    with full_bot.db.session() as s:
        states = {m.starts_at: m.state for m in s.exec(select(Meeting))}
    assert states[at(2026, 10, 1, 15)] == "cancelled"
    assert states[at(2026, 10, 8, 15)] == "scheduled"
    assert not any("10月1日" in m for m in sent)


async def test_no_daily_brief_on_holidays_and_the_next_one_covers_them(
    full_bot: FollowUpBot,
) -> None:
    full_bot.clock.now = at(2026, 9, 30, 7)
    await full_bot.run_due()
    await full_bot.say(f"{G1} 刘阿姨: {LAMP}")
    briefs = []
    for day in range(8):  # 09-30 … 10-07, every morning at 08:05
        moment = at(2026, 9, 30, 8, 5) + timedelta(days=day)
        briefs += [m for m in await full_bot.travel(moment) if "【每日简报】" in m]
    assert len(briefs) == 1 and "【每日简报】9月30日（周三）" in briefs[0]
    await full_bot.say(f"{G1} 李网格长: 5栋楼下垃圾桶满了没人清")  # on 10-07, a holiday
    [back] = [m for m in await full_bot.travel(at(2026, 10, 8, 8, 5)) if "【每日简报】" in m]
    assert "【每日简报】10月8日（周四）\n9月30日（周三）以来新报事 1 件" in back
    # Saturday 10-10 is a working day: a brief; Sunday 10-11 is not.
    assert any("【每日简报】10月10日" in m for m in await full_bot.travel(at(2026, 10, 10, 9)))
    assert not any("【每日简报】" in m for m in await full_bot.travel(at(2026, 10, 11, 9)))


async def test_the_weekly_report_waits_for_the_first_working_day(
    full_bot: FollowUpBot, spring_2027: None
) -> None:
    full_bot.clock.now = at(2027, 2, 4, 10)
    await full_bot.run_due()
    await full_bot.say(f"{G1} 刘阿姨: {LAMP}")
    sent = []
    for day in range(1, 10):  # 02-05 … 02-13: the configured Spring Festival
        sent += await full_bot.travel(at(2027, 2, 4, 9) + timedelta(days=day))
    assert not any("【每日简报】" in m or "【周报】" in m for m in sent)
    monday = await full_bot.travel(at(2027, 2, 15, 9))
    assert any("【周报】2月1日（周一）至2月7日（周日）" in m for m in monday)
    assert any("【每日简报】2月15日（周一）\n2月4日（周四）以来新报事" in m for m in monday)
    # A configured working Saturday gets its brief.
    assert any("【每日简报】2月20日" in m for m in await full_bot.travel(at(2027, 2, 20, 9)))


async def test_a_first_start_posts_no_catch_up(full_bot: FollowUpBot) -> None:
    # Tickets are already there (an imported history); the bot starts on a Monday at 10:00,
    # after the brief's and the report's times.
    full_bot.clock.now = at(2026, 11, 20, 10)
    await full_bot.say(f"{G1} 刘阿姨: {LAMP}")
    full_bot.channel.sent.clear()
    first = FollowUpBot(full_bot.settings, clock=full_bot.clock, digests=True)
    try:
        first.clock.now = at(2026, 11, 23, 10)
        said = await first.run_due()
        assert not any("【每日简报】" in m or "【周报】" in m or "我回来了" in m for m in said)
        assert not any("【每日简报】" in m for m in await first.advance(minutes=30))
        # The next morning's brief is the first digest.
        assert any("【每日简报】11月24日" in m for m in await first.travel(at(2026, 11, 24, 8)))
    finally:
        first.close()


async def test_a_restart_after_three_days_down_says_one_line(full_bot: FollowUpBot) -> None:
    full_bot.clock.now = at(2026, 11, 26, 7)
    await full_bot.run_due()
    await full_bot.say(f"{G1} 刘阿姨: {LAMP}")
    await full_bot.say(f"{G1} 李网格长: 5栋楼下垃圾桶满了没人清")
    await full_bot.say(f"{SIX} 张经理: 认领 T1")
    await full_bot.say(f"{SIX} 张经理: 认领 T2")
    assert any("【每日简报】" in m for m in await full_bot.travel(at(2026, 11, 26, 8)))
    # Down from Thursday 08:00 to Monday 09:00 (three days and more); a new process starts.
    full_bot.clock.now = at(2026, 11, 30, 9)
    again = FollowUpBot(full_bot.settings, clock=full_bot.clock, digests=True)
    try:
        said = [m for m in await again.run_due() if m.startswith(SIX)]
        digests = [m for m in said if "【每日简报】" in m or "【周报】" in m]
        assert digests == []
        back = [m for m in said if "我回来了" in m]
        assert back == [f"{SIX} 我回来了（离线约 4 天），期间有 2 件待办，发「统计」查看。"]
        assert not any("我回来了" in m for m in await again.advance(minutes=5))
        # A short restart later is no downtime: the next brief comes as usual.
        full_bot.clock.now = at(2026, 12, 1, 7, 50)
        third = FollowUpBot(full_bot.settings, clock=full_bot.clock, digests=True)
        try:
            assert not any("我回来了" in m for m in await third.run_due())
            assert any("【每日简报】12月1日" in m for m in await third.travel(at(2026, 12, 1, 8)))
        finally:
            third.close()
    finally:
        again.close()


def test_the_response_deadline_asked_again_follows_a_calendar_change() -> None:
    # response_deadline answers a second question about one ticket from the first: not
    # across a change of the calendar. Filed on Thursday 2027-02-04, the eve of the holiday.
    policy = Services(clock=lambda: at(2027, 2, 4, 10), nlp=NothingUnderstood()).policy
    filed = SimpleNamespace(created_at=at(2027, 2, 4, 10).astimezone(UTC))
    plain = response_deadline(filed, policy.deadlines, SHANGHAI)  # type: ignore[arg-type]
    assert response_deadline(filed, policy.deadlines, SHANGHAI) == plain  # type: ignore[arg-type]
    use_extra_days(SPRING_2027)
    try:
        festive = response_deadline(filed, policy.deadlines, SHANGHAI)  # type: ignore[arg-type]
    finally:
        use_extra_days(ExtraDays())
    assert festive > plain + timedelta(days=7)  # the nine days off are not working days
    assert response_deadline(filed, policy.deadlines, SHANGHAI) == plain  # type: ignore[arg-type]
