"""可能是急事 asks once, then stops; once confirmed, the urgent ladder runs and stops at 到场."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import load_settings
from tests.support.fakes import Worried
from tests.support.followups import FollowUpBot
from tests.support.harness import EXAMPLE_CONFIG, shared_nlp

G1, SIX = "[毛塘路1网格]", "[毛塘路社区六方议事群]"
LEANING = "5栋外墙有一块好像歪了"  # made 可能是急事 by ``Worried``


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[FollowUpBot]:
    """Ticket follow-ups alone, with the leaning wall always judged 可能是急事."""
    settings = load_settings(
        EXAMPLE_CONFIG, env={"LIUFANG_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}
    )
    b = FollowUpBot(settings, nlp=Worried(shared_nlp(), [LEANING]), digests=False)
    yield b
    b.close()


async def test_the_check_is_asked_once_and_never_repeated(bot: FollowUpBot) -> None:
    """No re-alert ladder for 可能是急事: hours later nothing more about it is posted."""
    replies = await bot.say(f"{G1} 刘阿姨: {LEANING}")
    assert sum("【可能是急事 T1】" in r for r in replies) == 1
    later = [*await bot.advance(minutes=15), *await bot.advance(hours=2)]
    later += await bot.advance(hours=10)
    assert not any("可能是急事" in m or "急事再提醒" in m for m in later), later
    assert bot.ticket(1).maybe_urgent


async def test_once_confirmed_the_ladder_runs_and_stops_at_arrival(bot: FollowUpBot) -> None:
    """「急」 starts the urgent re-alerts; 「到场 T1」 stops them."""
    await bot.say(f"{G1} 刘阿姨: {LEANING}")
    await bot.say(f"{G1} 刘阿姨: 急")
    realert = await bot.advance(minutes=15)
    assert any("【急事再提醒】T1" in m for m in realert), realert
    await bot.say(f"{SIX} 张经理: 到场 T1")
    after = [*await bot.advance(minutes=15), *await bot.advance(hours=1)]
    assert not any("急事再提醒" in m or "急事升级" in m for m in after), after
