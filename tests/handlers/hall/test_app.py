"""The hall inside the app's scheduler: notices go out, and a resolution is followed up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, select

from storage.models import FollowUp
from tests.handlers.hall.conftest import ELEVATOR, G1, SIX, at
from tests.support.followups import FollowUpBot


@pytest.fixture
def fbot(tmp_path: Path) -> Iterator[FollowUpBot]:
    b = FollowUpBot.demo(tmp_path)
    yield b
    b.close()


async def test_the_scheduler_posts_notices_and_chases_the_resolution(fbot: FollowUpBot) -> None:
    await fbot.run_due()  # start-up: meetings planned for both communities
    await fbot.say(f"{G1} 李网格长: {ELEVATOR}")
    sent = await fbot.travel(at(11, 26, 14))
    notice = [m for m in sent if m.startswith(SIX) and "【议事厅会议通知】" in m]
    assert len(notice) == 1 and "1. T1 8栋想加装电梯" in notice[0]

    fbot.clock.now = at(11, 26, 15, 30)
    await fbot.say(f"{SIX} 王书记: 决议 T1 同意动用维修基金加装电梯 责任方 物业 期限 12月21日")
    with fbot.db.session() as s:
        pending = col(FollowUp.done_at).is_(None)
        rows = s.exec(select(FollowUp).where(FollowUp.ticket_id == 1, pending))
        planned = sorted((r.kind, r.due_at) for r in rows)
    remind_before = fbot.settings.policy.followups.remind_before_hours
    assert planned == [
        ("overdue", at(12, 21, 18)),
        ("remind", at(12, 21, 18 - remind_before)),
    ]
    await fbot.say(f"{SIX} 王书记: 休会")
    late = await fbot.travel(at(12, 21, 18, 1))
    assert any(m.startswith(SIX) and "【超期】T1" in m for m in late), late
