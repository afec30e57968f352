"""Difficult tickets land on the right meeting; every community has its next meeting planned."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from handlers.hall.meetings import plan_meetings, schedule_notices
from storage.models import FollowUp, Meeting, Ticket, TicketEvent
from tests.handlers.hall.conftest import (
    ELEVATOR,
    G1,
    LAMP,
    PARKING,
    PLACE,
    SIX,
    at,
    meeting_at,
    meetings,
    notices,
    services,
    sweep,
    travel,
)
from tests.support.harness import TestBot


async def test_a_morning_report_is_on_this_afternoons_meeting(any_bot: TestBot) -> None:
    bot = any_bot
    [receipt, card] = await bot.say(f"{G1} 李网格长: {ELEVATOR}")
    line = f"列入 11月26日（周四）15:00 议事厅会议议程（{PLACE}）"
    assert line in receipt and line in card and card.startswith(SIX)
    today = meeting_at(bot, "maotang", at(11, 26, 15))
    assert bot.ticket(1).meeting_id == today.id and today.kind == "regular"
    # Created 6 hours ahead: the 3-day and 1-day notices are not sent late; the 1-hour one is.
    assert today.id is not None
    assert notices(bot, today.id) == {"meeting_notice_1h": (at(11, 26, 14), "")}


async def test_an_evening_report_is_on_next_weeks_meeting(any_bot: TestBot) -> None:
    bot = any_bot
    bot.clock.now = at(11, 26, 15, 30)
    [receipt, _] = await bot.say(f"{G1} 李网格长: {ELEVATOR}")
    assert "列入 12月3日（周四）15:00 议事厅会议议程" in receipt
    nxt = meeting_at(bot, "maotang", at(12, 3, 15))
    assert bot.ticket(1).meeting_id == nxt.id and nxt.id is not None
    assert notices(bot, nxt.id) == {
        "meeting_notice_3d": (at(11, 30, 15), ""),
        "meeting_notice_1d": (at(12, 2, 15), ""),
        "meeting_notice_1h": (at(12, 3, 14), ""),
    }


async def test_small_tickets_stay_off_the_agenda_until_reclassed(bot: TestBot) -> None:
    await bot.say(f"{G1} 李网格长: {LAMP}")
    assert bot.ticket(1).meeting_id is None
    replies = await bot.say(f"{SIX} 赵主任: 改为 难事 T1")
    assert "列入 11月26日（周四）15:00 议事厅会议议程" in replies[0]
    assert bot.ticket(1).meeting_id == meeting_at(bot, "maotang", at(11, 26, 15)).id


async def test_plan_meetings_covers_every_community_once(any_bot: TestBot) -> None:
    bot = any_bot
    await sweep(bot)
    await sweep(bot)
    codes = sorted((m.community_code, m.starts_at) for m in meetings(bot))
    assert codes == [("guihua", at(12, 2, 9, 30)), ("maotang", at(11, 26, 15))]
    gh = meeting_at(bot, "guihua", at(12, 2, 9, 30))
    assert gh.id is not None and gh.place == "桂花巷社区议事厅"
    assert set(notices(bot, gh.id)) == {
        "meeting_notice_3d",
        "meeting_notice_1d",
        "meeting_notice_1h",
    }
    # After this afternoon's meeting the scheduler plans next week's.
    await travel(bot, at(11, 26, 15, 1))
    nxt = meeting_at(bot, "maotang", at(12, 3, 15))
    assert nxt.id is not None and len(notices(bot, nxt.id)) == 3


async def test_a_meeting_nobody_adjourned_rolls_its_items_over(bot: TestBot) -> None:
    await bot.say(f"{G1} 李网格长: {ELEVATOR}")
    today = meeting_at(bot, "maotang", at(11, 26, 15))
    await travel(bot, at(11, 26, 20))  # under way or just over: left alone
    assert bot.ticket(1).meeting_id == today.id
    await travel(bot, at(11, 27, 9))
    nxt = meeting_at(bot, "maotang", at(12, 3, 15))
    assert bot.ticket(1).meeting_id == nxt.id
    assert meeting_at(bot, "maotang", at(11, 26, 15)).state == "adjourned"
    with bot.db.session() as s:
        kinds = [e.kind for e in s.exec(select(TicketEvent).where(TicketEvent.ticket_id == 1))]
    assert kinds == ["reported", "agenda"]


async def test_tickets_without_a_meeting_are_placed(bot: TestBot) -> None:
    await bot.say(f"{G1} 李网格长: {PARKING}")
    with bot.db.session() as s:
        t = s.get(Ticket, 1)
        assert t is not None
        t.meeting_id = None  # e.g. filed before the hall existed
        s.add(t)
        s.commit()
    await sweep(bot)
    assert bot.ticket(1).meeting_id == meeting_at(bot, "maotang", at(11, 26, 15)).id


def test_notices_already_past_are_not_scheduled(bot: TestBot) -> None:
    now = at(11, 26, 9)
    with bot.db.session() as s:
        for starts in (at(11, 26, 9, 30), at(11, 26, 8)):
            m = Meeting(community_code="maotang", starts_at=starts, place="x", created_at=now)
            s.add(m)
            s.flush()
            schedule_notices(s, m, now)
        rows = s.exec(select(FollowUp)).all()
        # 30 minutes ahead: the 1-hour notice goes at once; a meeting already begun gets none.
        assert [(r.kind, r.due_at) for r in rows] == [("meeting_notice_1h", now)]
        s.rollback()


async def test_plan_meetings_restores_missing_notices(bot: TestBot) -> None:
    bot.clock.now = at(11, 27, 9)
    with bot.db.session() as s:
        s.add(
            Meeting(
                community_code="maotang",
                starts_at=at(12, 3, 15),
                place=PLACE,
                created_at=bot.clock.now,
            )
        )
        s.commit()
        plan_meetings(s, bot.clock.now, services(bot))
        s.commit()
    nxt = meeting_at(bot, "maotang", at(12, 3, 15))
    assert nxt.id is not None
    assert {k: v[0] for k, v in notices(bot, nxt.id).items()} == {
        "meeting_notice_3d": at(11, 30, 15),
        "meeting_notice_1d": at(12, 2, 15),
        "meeting_notice_1h": at(12, 3, 15) - timedelta(hours=1),
    }
