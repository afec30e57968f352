"""Hall test fixtures: the demo bot on every backend, and a sweep that runs the hall's kinds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import select

from handlers.context import Services
from handlers.followups.engine import FollowUpEngine
from handlers.hall.meetings import plan_all
from handlers.hall.notices import HALL_KINDS
from storage.db import Database
from storage.models import FollowUp, Meeting, Ticket, TicketEvent
from tests.support.harness import SHANGHAI, TestBot, shared_nlp

G1, G2, SIX = "[毛塘路1网格]", "[毛塘路2网格]", "[毛塘路社区六方议事群]"
GH_SIX = "[桂花巷社区六方议事群]"
PLACE = "毛塘路社区党群服务中心二楼议事厅"
# Difficult by the design card's rules: money, a vote, several parties, or long unresolved.
ELEVATOR = "8栋想加装电梯，需要动用维修基金，业主意见不统一，联系人13812345678"
PARKING = "小区停车位太少，晚上车乱停，要业委会和物业一起商量"
DRAIN = "5栋下水道反复堵塞，找了物业好几次一直没解决"
LAMP = "3栋2单元门口的路灯坏了"


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in 2026, Shanghai time."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[TestBot]:
    """The demo bot on SQLite, at Thursday 2026-11-26 09:00."""
    b = TestBot.from_example(tmp_path)
    yield b
    b.close()


@pytest.fixture
def any_bot(database: Database, tmp_path: Path) -> Iterator[TestBot]:
    """The demo bot on each backend (PostgreSQL when LIUFANG_TEST_POSTGRES_URL is set)."""
    b = TestBot.from_example(tmp_path, database_url=database.url)
    yield b
    b.close()


def services(bot: TestBot) -> Services:
    """The services the scheduler would hand the hall."""
    return Services(clock=bot.clock, nlp=shared_nlp(), policy=bot.settings.policy)


async def sweep(bot: TestBot) -> list[str]:
    """What the scheduler does each run: plan the meetings, sweep due notices, deliver."""
    start = len(bot.channel.sent)
    plan_all(bot.db, services(bot))
    FollowUpEngine(bot.db, services(bot), HALL_KINDS).sweep()
    await bot.sender.flush()
    return bot.channel.sent[start:]


async def travel(bot: TestBot, to: datetime) -> list[str]:
    """Set the clock to ``to`` and run the scheduler once."""
    bot.clock.now = to
    return await sweep(bot)


def meetings(bot: TestBot) -> list[Meeting]:
    """Every meeting row, in time order."""
    with bot.db.session() as s:
        return list(s.exec(select(Meeting).order_by(Meeting.starts_at, Meeting.id)))


def meeting_at(bot: TestBot, code: str, when: datetime) -> Meeting:
    """The meeting of ``code`` at ``when``."""
    found = [m for m in meetings(bot) if m.community_code == code and m.starts_at == when]
    assert len(found) == 1, found
    return found[0]


def notices(bot: TestBot, meeting_id: int) -> dict[str, tuple[datetime, str]]:
    """A meeting's notice follow-ups: kind -> (due, outcome)."""
    with bot.db.session() as s:
        rows = s.exec(select(FollowUp).where(FollowUp.meeting_id == meeting_id))
        return {r.kind: (r.due_at, r.outcome) for r in rows}


def snapshot(bot: TestBot) -> tuple[object, ...]:
    """Everything a refused command must leave alone."""
    with bot.db.session() as s:
        tickets = [
            (t.id, t.state, t.meeting_id, t.resolution, t.due_at, t.responsible, t.assignee_id)
            for t in s.exec(select(Ticket).order_by(Ticket.id))
        ]
        ms = [(m.id, m.starts_at, m.state) for m in s.exec(select(Meeting))]
        fus = [(f.id, f.kind, f.due_at, f.done_at) for f in s.exec(select(FollowUp))]
        return tickets, ms, fus, len(list(s.exec(select(TicketEvent))))
