"""Evidence: a reporter's photo or video right after a report is attached to the ticket."""

from __future__ import annotations

import dataclasses

from sqlmodel import select

from handlers.evidence import WINDOW
from storage.models import TicketEvent, TicketEvidence
from tests.support.harness import TestBot

G1 = "[毛塘路1网格]"


async def _media(bot: TestBot, who: str, kind: str, path: str, msg_id: str) -> list[str]:
    """``who`` sends a picture or video in 1网格 (the channel saved it at ``path``)."""
    event = bot.event(f"{G1} {who}: x")
    return await bot.send(dataclasses.replace(event, kind=kind, text=path, msg_id=msg_id))


def _evidence(bot: TestBot) -> list[tuple[int, str, str, str]]:
    with bot.db.session() as s:
        rows = s.exec(select(TicketEvidence).order_by(TicketEvidence.id))
        return [(e.ticket_id, e.kind, e.ref, e.sender_id) for e in rows]


async def test_a_video_after_a_report_is_attached(bot: TestBot) -> None:
    await bot.say(f"{G1} 刘阿姨: 5栋楼下垃圾桶满了没人清")
    bot.clock.advance(minutes=2)
    (said,) = await _media(bot, "刘阿姨", "video", "/media/m1.mp4", "m1")
    assert said == f"{G1} @刘阿姨 已把视频附到 T1"
    assert _evidence(bot) == [(1, "video", "/media/m1.mp4", "wx-mt-liu")]
    with bot.db.session() as s:
        notes = [e.note for e in s.exec(select(TicketEvent).where(TicketEvent.kind == "evidence"))]
    assert notes == ["视频：/media/m1.mp4"]
    # The same message delivered again is not attached twice, and not answered again.
    assert await _media(bot, "刘阿姨", "video", "/media/m1.mp4", "m1") == []
    assert len(_evidence(bot)) == 1


async def test_a_photo_and_a_video_both_count(bot: TestBot) -> None:
    await bot.say(f"{G1} 刘阿姨: 5栋楼下垃圾桶满了没人清")
    await _media(bot, "刘阿姨", "image", "/media/p1.jpg", "p1")
    await _media(bot, "刘阿姨", "video", "/media/v1.mp4", "v1")
    assert [kind for _, kind, _, _ in _evidence(bot)] == ["image", "video"]


async def test_a_video_too_late_or_from_someone_else_gets_the_hint(bot: TestBot) -> None:
    await bot.say(f"{G1} 刘阿姨: 5栋楼下垃圾桶满了没人清")
    (other,) = await _media(bot, "孙大爷", "video", "/media/o.mp4", "o1")
    assert "收到视频。视频要跟着报事发才能附到工单上" in other
    bot.clock.advance(seconds=WINDOW.total_seconds() + 1)
    (late,) = await _media(bot, "刘阿姨", "video", "/media/late.mp4", "l1")
    assert "收到视频。" in late and "再在几分钟内发视频" in late
    assert _evidence(bot) == []
