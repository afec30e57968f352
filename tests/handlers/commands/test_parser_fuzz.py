"""Fuzzing commands: the parser and the whole dispatcher answer any text without failing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from handlers.commands.parser import VERBS, parse
from handlers.dispatcher import SORRY
from storage.models import Ticket, TicketEvent
from tests.support.fuzz import CHAT_TEXT, HOSTILE_TEXT
from tests.support.harness import TestBot

VERB = st.sampled_from(sorted(VERBS))
COMMAND = st.tuples(VERB, st.sampled_from(["", " ", "：", " T1 ", "T99999999999 "]), CHAT_TEXT)


@settings(max_examples=500)
@given(st.one_of(COMMAND.map("".join), HOSTILE_TEXT))
def test_parse_answers_a_command_or_none(text: str) -> None:
    got = parse(text)
    assert got is None or (got.verb in VERBS.values() and all(t >= 0 for t in got.tickets))


@pytest.fixture(scope="module")
def shared_bot(tmp_path_factory: pytest.TempPathFactory) -> TestBot:
    """One bot for every example (a fresh one each would cost seconds)."""
    return TestBot.from_example(Path(tmp_path_factory.mktemp("fuzz")))


ROOMS = st.sampled_from(
    ["[毛塘路1网格] 李网格长", "[毛塘路社区六方议事群] 张经理", "[私聊] 刘阿姨"]
)


@settings(max_examples=60)
@given(ROOMS, st.one_of(COMMAND.map("".join), CHAT_TEXT))
async def test_any_line_is_answered_without_an_error_and_nothing_is_half_written(
    shared_bot: TestBot, who: str, text: str
) -> None:
    line = f"{who}: {text}".replace("\n", " ")
    event = shared_bot.console.parse(line)
    if not hasattr(event, "msg_id"):
        return  # a blank or malformed console line never reaches the bot
    sent = await shared_bot.send(event)  # type: ignore[arg-type]
    assert not any(SORRY in m for m in sent), (line, sent)
    with shared_bot.db.session() as s:
        tickets = set(s.exec(select(Ticket.id)))
        recorded = set(s.exec(select(TicketEvent.ticket_id).where(TicketEvent.kind == "reported")))
    assert tickets == recorded  # every ticket was written with its first event, or not at all
