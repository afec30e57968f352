"""Two bot processes on one database: two people say 兑换 for the last unit at the same moment."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlmodel import select

from storage.db import Database
from storage.volunteers.models import CatalogueItem, Redemption, TimeAccount
from tests.handlers.teams.test_time_bank import served
from tests.support.harness import TestBot


async def test_racing_redemptions_of_the_last_unit_exactly_one_succeeds(
    database: Database, tmp_path: Path
) -> None:
    first = TestBot.from_example(tmp_path, database_url=database.url)
    second = TestBot.from_example(tmp_path, database_url=database.url)  # another process
    try:
        await served(first, "志愿者小杨", "1小时")
        await served(first, "党员吴姐", "1小时")
        with database.session() as s:
            item = s.exec(select(CatalogueItem).where(CatalogueItem.name == "理发")).one()
            item.stock = 1
            s.add(item)
            s.commit()
        events = [
            first.event("[私聊] 志愿者小杨: 兑换 理发"),
            second.event("[私聊] 党员吴姐: 兑换 理发"),
        ]
        start = threading.Barrier(2)
        replies: list[str] = []

        def say(bot: TestBot, index: int) -> None:
            start.wait(5)
            replies.extend(r.text for r in bot.dispatcher.process_sync(events[index]))

        threads = [
            threading.Thread(target=say, args=(b, i)) for i, b in enumerate((first, second))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(replies) == 2
        assert len([r for r in replies if r.startswith("兑换成功：理发")]) == 1
        assert len([r for r in replies if "理发已经兑完了" in r]) == 1
        with database.session() as s:
            assert (
                s.exec(select(CatalogueItem).where(CatalogueItem.name == "理发")).one().stock == 0
            )
            assert len(s.exec(select(Redemption)).all()) == 1
            assert sorted(a.balance for a in s.exec(select(TimeAccount))) == [0, 2]
    finally:
        first.close()
        second.close()
