"""Bidi controls never reach tickets or cards: marks, embeddings, overrides and isolates."""

from __future__ import annotations

import dataclasses

import pytest

from handlers.understanding import normalize_text, strip_invisible
from tests.support.harness import TestBot

G1 = "[毛塘路1网格]"
BIDI = ["\u200e", "\u200f", "\u061c", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"]
BIDI += ["\u2066", "\u2067", "\u2068", "\u2069"]


@pytest.mark.parametrize("mark", BIDI, ids=[f"U+{ord(m):04X}" for m in BIDI])
def test_every_bidi_control_is_dropped(mark: str) -> None:
    assert normalize_text(f"3栋{mark}路灯坏了{mark}") == "3栋路灯坏了"
    assert strip_invisible(f"{mark}刘阿姨{mark}") == "刘阿姨"


async def test_isolates_in_a_report_and_a_name_reach_neither_ticket_nor_card(
    bot: TestBot,
) -> None:
    event = bot.event(f"{G1} 刘阿姨: 3栋\u2067门口\u2069的路灯\u2066坏了\u2068好几天")
    event = dataclasses.replace(event, sender_name="\u2067刘阿姨\u2069")
    sent = await bot.send(event)
    assert sent, "the report was filed"
    ticket = bot.ticket(1)
    shown = "".join([ticket.text, ticket.reporter_name, *sent])
    assert not any(mark in shown for mark in BIDI)
    assert ticket.reporter_name == "刘阿姨"
    assert "3栋门口的路灯坏了好几天" in ticket.text
