"""/failures: the kept failed messages and the dead letters, each community its own."""

from __future__ import annotations

import pytest

import handlers.intake as intake
from storage import outbox
from tests.support.web import DashboardSite


async def test_failed_messages_and_dead_letters_are_listed_until_handled(
    dashboard: DashboardSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = dashboard.bot
    with monkeypatch.context() as m:

        def boom(*args: object, **kwargs: object) -> None:
            raise RuntimeError("disk full")

        m.setattr(intake, "route_new_ticket", boom)
        await bot.say("[毛塘路1网格] 李网格长: 7栋门口的路灯坏了")
        await bot.say("[桂花巷1网格] 居民小赵: 桂花巷垃圾桶满了")
    with bot.db.session() as s:
        row = outbox.enqueue(
            s,
            room_id="room-maotang-g2",
            to_id=None,
            text="给2网格的通知",
            mention_ids=(),
            now=bot.clock(),
        )
        s.flush()
        assert row.id is not None
        outbox.mark_dead(s, [row.id], "ConnectionError('not a member')", bot.clock())
        s.commit()

    await dashboard.login("wangshuji")
    status, page = await dashboard.get("/failures")
    assert status == 200
    assert "没处理成功的来信（1）" in page and "7栋门口的路灯坏了" in page
    assert "RuntimeError: disk full" in page and "毛塘路1网格" in page
    assert "桂花巷垃圾桶满了" not in page  # another community's message
    assert "已放弃的消息（1）" in page and "给2网格的通知" in page and "毛塘路2网格" in page

    await dashboard.login("linshuji")
    _, page = await dashboard.get("/failures")
    assert "没处理成功的来信（1）" in page and "桂花巷垃圾桶满了" in page
    assert "7栋门口的路灯坏了" not in page and "已放弃的消息（0）" in page

    outcome = bot.dispatcher.retry()
    assert (outcome.handled, outcome.failing) == (2, 0)
    _, page = await dashboard.get("/failures")
    assert "没处理成功的来信（0）" in page and "桂花巷垃圾桶满了" not in page
