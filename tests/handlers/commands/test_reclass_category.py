"""改为 corrects the category as well as the class; every correction is kept to learn from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from storage.models import LabelledExample, Ticket, TicketEvent
from tests.support.fakes import Worried
from tests.support.harness import TestBot, shared_nlp

G1, SIX = "[毛塘路1网格]", "[毛塘路社区六方议事群]"
LAMP = "3栋2单元门口的路灯坏了"  # small, 公共设施, 物业
# A wall piece that leans: danger seen but not decided (可能是急事).
LEANING = "5栋外墙有一块好像歪了"


def examples(bot: TestBot) -> list[LabelledExample]:
    with bot.db.session() as s:
        return list(s.exec(select(LabelledExample).order_by(LabelledExample.id)))


def notes(bot: TestBot, number: int) -> list[str]:
    with bot.db.session() as s:
        stmt = select(TicketEvent).where(TicketEvent.ticket_id == number)
        return [e.note for e in s.exec(stmt) if e.kind == "reclass"]


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[TestBot]:
    """The demo bot; the leaning wall always comes out 可能是急事 (see ``Worried``)."""
    b = TestBot.from_example(tmp_path, nlp=Worried(shared_nlp(), [LEANING]))
    yield b
    b.close()


async def reported(bot: TestBot, text: str = LAMP) -> Ticket:
    await bot.say(f"{G1} 刘阿姨: {text}")
    t = bot.ticket(1)
    assert (t.klass, t.category, t.responsible) == ("small", "facility", "property")
    return t


@pytest.mark.parametrize(
    "line",
    ["改为 水电气 T1", "改为水电气 T1", "改为 T1 水电气", "改为水电气T1", "改为 水电 1号"],
)
async def test_category_change_reposts_the_card_and_keeps_the_party(
    bot: TestBot, line: str
) -> None:
    """The card is posted again with the new category; the party stays and the way to change
    it is said; the history and the labelled example record it."""
    await reported(bot)
    here, *told = await bot.say(f"{SIX} 张经理: {line}")
    assert here.startswith(f"{SIX} @张经理 T1 类别由公共设施改为水电气。")
    assert "负责方仍是物业，如需换负责方，请发 转交 T1 " in here
    assert "【T1 小事·线上议】水电气" in here
    # The reporters' group sees the new card, without the hint they cannot use.
    assert [t.split("\n")[0] for t in told] == [f"{G1} T1 类别由公共设施改为水电气。"]
    t = bot.ticket(1)
    assert (t.klass, t.category, t.route, t.responsible) == (
        "small",
        "utilities",
        "online",
        "property",
    )
    assert notes(bot, 1) == ["类别由公共设施改为水电气"]
    (example,) = examples(bot)
    assert (example.community_code, example.ticket_id, example.text) == ("maotang", 1, LAMP)
    assert (example.klass, example.category) == ("small", "utilities")
    assert (example.was_klass, example.was_category) == ("small", "facility")
    assert example.actor_id == "wx-mt-zhang" and example.at == bot.clock.now


@pytest.mark.parametrize(
    "line", ["改为 急事 水电气 T1", "改为 T1 水电气 急事", "改为急事水电气T1"]
)
async def test_class_and_category_at_once(bot: TestBot, line: str) -> None:
    """Both in one line: one re-route (the responders are called), one event, one example."""
    await reported(bot)
    replies = await bot.say(f"{SIX} 王书记: {line}")
    here = replies[0]
    assert here.startswith(
        f"{SIX} @李网格长 @张经理 @城管刘队 @王书记 T1 由小事改为急事（现场议）"
    )
    assert "，类别由公共设施改为水电气。负责方仍是物业" in here
    assert "【T1 急事·现场议】水电气" in here and "到场 T1" in here
    t = bot.ticket(1)
    assert (t.klass, t.category, t.route) == ("urgent", "utilities", "onsite")
    assert notes(bot, 1) == ["小事改为急事，类别由公共设施改为水电气"]
    (example,) = examples(bot)
    assert (example.klass, example.category, example.was_klass, example.was_category) == (
        "urgent",
        "utilities",
        "small",
        "facility",
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("改为 水电费 T1", "不认识“水电费”"),
        ("改为 T1 急事件", "不认识“急事件”"),
        ("改为 T1", "请写改成什么"),
        ("改为 急事 难事 T1", "一次只能改成一类，您写了急事和难事"),
        ("改为 停车 绿化 T1", "一次只能改成一个类别，您写了停车和绿化"),
    ],
)
async def test_a_word_it_does_not_know_is_refused_with_what_to_type(
    bot: TestBot, line: str, expected: str
) -> None:
    """The refusal names the word, shows the forms and lists the classes and categories."""
    await reported(bot)
    (refusal,) = await bot.say(f"{SIX} 张经理: {line}")
    assert refusal.startswith(f"{SIX} @张经理 ") and expected in refusal
    assert "改为 急事 T1" in refusal and "改为 水电气 T1" in refusal
    if "一次只能" not in refusal:
        assert "急事、小事、难事" in refusal and "公共设施" in refusal and "其他" in refusal
    assert len(refusal) < 200
    assert bot.ticket(1).category == "facility" and notes(bot, 1) == [] and examples(bot) == []


@pytest.mark.parametrize("who", [f"{G1} 刘阿姨", f"{G1} 李网格长", f"{G1} 志愿者小杨"])
async def test_only_the_six_parties_may_correct(bot: TestBot, who: str) -> None:
    """Residents, grid leaders and volunteers are told who may, and nothing changes."""
    await reported(bot)
    (refusal,) = await bot.say(f"{who}: 改为 水电气 T1")
    assert "只有社区书记、居委、职能部门、辖区单位、物业、业委会可以用「改为」" in refusal
    assert bot.ticket(1).category == "facility" and examples(bot) == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("改为 公共设施 T1", "T1 的类别本来就是公共设施。"),
        ("改为设施 T1", "T1 的类别本来就是公共设施。"),
        ("改为 小事 T1", "T1 本来就是小事。"),
        ("改为 小事 设施 T1", "T1 本来就是小事、公共设施。"),
    ],
)
async def test_the_same_class_or_category_gets_a_short_answer(
    bot: TestBot, line: str, expected: str
) -> None:
    """Nothing to change: one short line, no card, no event, no example."""
    await reported(bot)
    (reply,) = await bot.say(f"{SIX} 张经理: {line}")
    assert reply == f"{SIX} @张经理 {expected}"
    assert notes(bot, 1) == [] and examples(bot) == []


async def test_a_second_correction_updates_the_tickets_example(bot: TestBot) -> None:
    """One row per ticket: the latest labels, and what the bot had decided at first."""
    await reported(bot)
    await bot.say(f"{G1} 刘阿姨: 9栋门口垃圾桶满了没人清")
    await bot.say(f"{SIX} 张经理: 改为 水电气 T1")
    bot.clock.advance(minutes=5)
    await bot.say(f"{SIX} 赵主任: 改为 难事 安全隐患 T1")
    await bot.say(f"{SIX} 赵主任: 改为 噪音 T2")
    first, second = examples(bot)
    assert (first.ticket_id, first.klass, first.category) == (1, "difficult", "safety")
    assert (first.was_klass, first.was_category) == ("small", "facility")
    assert (first.actor_id, first.at) == ("wx-mt-zhao", bot.clock.now)
    assert (second.ticket_id, second.category) == (2, "noise")
    assert notes(bot, 1) == ["类别由公共设施改为水电气", "小事改为难事，类别由水电气改为安全隐患"]


async def test_a_correction_settles_maybe_urgent(bot: TestBot) -> None:
    """Any 改为 takes off 可能是急事: someone has looked at the ticket."""
    await bot.say(f"{G1} 刘阿姨: {LEANING}")
    assert bot.ticket(1).maybe_urgent
    await bot.say(f"{SIX} 张经理: 改为 公共设施 T1")
    t = bot.ticket(1)
    assert (t.klass, t.category, t.maybe_urgent) == ("small", "facility", False)
    # The reporter's 急 no longer finds a ticket waiting for an answer.
    assert await bot.say(f"{G1} 刘阿姨: 急") == []


async def test_becoming_urgent_settles_maybe_urgent(bot: TestBot) -> None:
    """改为 急事 on a 可能是急事 ticket: urgent, the flag cleared, the example stored."""
    await bot.say(f"{G1} 刘阿姨: {LEANING}")
    await bot.say(f"{SIX} 王书记: 改为 急事 T1")
    t = bot.ticket(1)
    assert (t.klass, t.route, t.maybe_urgent) == ("urgent", "onsite", False)
    (example,) = examples(bot)
    assert (example.klass, example.was_klass, example.text) == ("urgent", "small", LEANING)


async def test_confirming_a_maybe_urgent_ticket_as_it_is_settles_it(bot: TestBot) -> None:
    """「改为 小事」 on a 可能是急事 small ticket is a decision: flag off, event, example."""
    await bot.say(f"{G1} 刘阿姨: {LEANING}")
    (reply,) = await bot.say(f"{SIX} 张经理: 改为 小事 T1")
    assert reply == f"{SIX} @张经理 T1 本来就是小事。已取消“可能是急事”。"
    assert not bot.ticket(1).maybe_urgent
    assert notes(bot, 1) == ["核实为小事，不是急事"]
    (example,) = examples(bot)
    assert (example.klass, example.was_klass) == ("small", "small")


async def test_words_after_an_understood_correction_do_not_block_it(bot: TestBot) -> None:
    """改为 急事 T1 里面有人: an urgent correction is never refused for its explanation."""
    await reported(bot)
    replies = await bot.say(f"{SIX} 张经理: 改为 急事 T1 灯杆倒了压着人")
    assert any("T1 由小事改为急事（现场议）" in r for r in replies)
    assert bot.ticket(1).klass == "urgent"
    [refusal] = await bot.say(f"{SIX} 张经理: 改为 大事 T1")
    assert "不认识“大事”" in refusal
