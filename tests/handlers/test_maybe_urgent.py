"""「可能是急事」: danger seen but not decided — a check for the on-duty people, and 「急」."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from storage.models import LabelledExample
from tests.support.fakes import Worried
from tests.support.harness import TestBot, shared_nlp

G1, SIX = "[毛塘路1网格]", "[毛塘路社区六方议事群]"
# A wall piece that leans: a failure frame without anything saying it is happening now.
LEANING = "5栋外墙有一块好像歪了"


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[TestBot]:
    """The demo bot; the leaning wall always comes out 可能是急事 (see ``Worried``)."""
    b = TestBot.from_example(tmp_path, nlp=Worried(shared_nlp(), [LEANING]))
    yield b
    b.close()


async def test_the_reporter_is_asked_and_the_on_duty_people_check(bot: TestBot) -> None:
    """The receipt asks one line; the six-party group gets a short check, once."""
    replies = await bot.say(f"{G1} 刘阿姨: {LEANING}")
    receipt = replies[0]
    assert receipt.startswith(f"{G1} @刘阿姨 已登记 T1（小事")
    assert "如有人身危险请回复 急" in receipt
    (check,) = [r for r in replies if "【可能是急事 T1】" in r]
    assert check.startswith(SIX) and "改为 急事 T1" in check and "外墙" in check
    t = bot.ticket(1)
    assert t.maybe_urgent and t.klass == "small"


async def test_the_reporters_ji_makes_it_urgent_at_once(bot: TestBot) -> None:
    """「急」 from the reporter: urgent now, responders alerted, the flag cleared, learned."""
    await bot.say(f"{G1} 刘阿姨: {LEANING}")
    replies = await bot.say(f"{G1} 刘阿姨: 急！")
    here = [r for r in replies if r.startswith(G1)]
    assert len(here) == 1 and "T1 由小事改为急事（现场议）" in here[0]  # said once, @ her too
    assert "@刘阿姨" in here[0] and "@张经理" in here[0]
    assert any(r.startswith(SIX) and "请 " in r and "到场" in r for r in replies)
    t = bot.ticket(1)
    assert (t.klass, t.route, t.maybe_urgent) == ("urgent", "onsite", False)
    with bot.db.session() as s:
        (example,) = s.exec(select(LabelledExample)).all()
    assert (example.klass, example.was_klass, example.text) == ("urgent", "small", LEANING)


async def test_ji_from_someone_else_or_later_changes_nothing(bot: TestBot) -> None:
    """Only the reporter's own 急 escalates; a second 急 finds nothing pending."""
    await bot.say(f"{G1} 刘阿姨: {LEANING}")
    assert await bot.say(f"{G1} 李网格长: 急") == []
    assert bot.ticket(1).klass == "small"
    await bot.say(f"{G1} 刘阿姨: 急")
    assert await bot.say(f"{G1} 刘阿姨: 急") == []
    assert bot.ticket(1).klass == "urgent"


async def test_a_party_confirms_with_gaiwei(bot: TestBot) -> None:
    """「改为 急事 T1」 from the six parties works on a 可能是急事 ticket and clears the flag."""
    await bot.say(f"{G1} 刘阿姨: {LEANING}")
    replies = await bot.say(f"{SIX} 张经理: 改为 急事 T1")
    assert any("由小事改为急事" in r for r in replies)
    assert not bot.ticket(1).maybe_urgent


async def test_a_plain_small_report_is_not_flagged(bot: TestBot) -> None:
    """An ordinary fault neither asks nor alerts."""
    replies = await bot.say(f"{G1} 刘阿姨: 3栋门口的路灯坏了")
    assert not any("可能是急事" in r or "回复 急" in r for r in replies)
    assert not bot.ticket(1).maybe_urgent


async def test_ji_with_the_ticket_number_and_the_safety_line(bot: TestBot) -> None:
    """「急 T1」 names the ticket; with no named danger the reply gives the general numbers."""
    await bot.say(f"{G1} 刘阿姨: {LEANING}")
    await bot.say(f"{G1} 刘阿姨: 3栋门口的路灯坏了")
    assert await bot.say(f"{G1} 刘阿姨: 急 T2") == []  # T2 is not 可能是急事
    replies = await bot.say(f"{G1} 刘阿姨: 急 T1")
    here = [r for r in replies if r.startswith(G1)]
    assert "T1 由小事改为急事" in here[0] and "120" in here[0] and "119" in here[0]
    assert bot.ticket(1).klass == "urgent" and bot.ticket(2).klass == "small"


async def test_ji_in_a_private_chat_reaches_the_reporters_ticket(bot: TestBot) -> None:
    """The reporter may answer the bot privately; the groups still hear it is urgent now."""
    await bot.say(f"{G1} 刘阿姨: {LEANING}")
    replies = await bot.say("[私聊] 刘阿姨: 急")
    assert any(r.startswith("[私聊→刘阿姨]") and "T1 由小事改为急事" in r for r in replies)
    assert any(r.startswith(SIX) and "T1 由小事改为急事" in r for r in replies)
    assert bot.ticket(1).klass == "urgent"
