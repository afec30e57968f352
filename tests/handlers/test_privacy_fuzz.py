"""Fuzzing the privacy policy: it never raises, is idempotent and leaves no whole number."""

from __future__ import annotations

import re

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from handlers.privacy import mask
from tests.support.fuzz import CHAT_TEXT, HOSTILE_TEXT

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
DIGITS = st.text(st.sampled_from("0123456789"), min_size=11, max_size=11)


@settings(max_examples=400)
@given(st.one_of(CHAT_TEXT, HOSTILE_TEXT), st.lists(st.text(max_size=6), max_size=3))
def test_masking_is_idempotent_and_never_raises(text: str, names: list[str]) -> None:
    once = mask(text, reporter=names[:1], members=names[1:])
    assert mask(once, reporter=names[:1], members=names[1:]) == once


@settings(max_examples=200)
@given(CHAT_TEXT, st.sampled_from(["13", "15", "18", "19"]), DIGITS, CHAT_TEXT)
def test_no_mobile_number_survives_in_any_context(
    before: str, prefix: str, digits: str, after: str
) -> None:
    number = prefix + digits[:9]
    assume(not before[-1:].isdigit() and not after[:1].isdigit())  # else it is a longer number
    shown = mask(f"{before}{number}{after}")
    assert number not in shown.replace(" ", "").replace("-", "")
