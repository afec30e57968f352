"""Fuzzing the console line parser: any line is an Inbound, a usage hint or nothing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.console import ConsoleChannel
from bot.config import load_settings
from handlers.events import Inbound
from tests.support.fuzz import CHAT_TEXT, HOSTILE_TEXT
from tests.support.harness import EXAMPLE_CONFIG, FakeClock

CHANNEL = ConsoleChannel(load_settings(EXAMPLE_CONFIG, env={}), FakeClock())
TOPIC = st.one_of(st.sampled_from(["[毛塘路1网格]", "[私聊]", "[]", "[[", "]"]), HOSTILE_TEXT)


@settings(max_examples=400)
@given(TOPIC, st.sampled_from([" 李网格长: ", ": ", " :", " @社区小助手 ", ""]), HOSTILE_TEXT)
def test_any_console_line_parses_to_a_defined_answer(topic: str, sep: str, text: str) -> None:
    got = CHANNEL.parse(topic + sep + text)
    assert got is None or isinstance(got, str | Inbound)
    if isinstance(got, Inbound):
        assert got.sender_id and got.msg_id.startswith("console-")


@settings(max_examples=100)
@given(CHAT_TEXT)
def test_a_well_formed_line_keeps_its_text(text: str) -> None:
    got = CHANNEL.parse(f"[毛塘路1网格] 李网格长: {text}")
    if text.strip() and "\n" not in text:
        assert isinstance(got, Inbound)
