"""Splitting long texts and the sliding-window rate limits, as pure functions."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.delivery.ratelimit import RateLimits, SlidingWindow
from bot.delivery.split import next_part, split_text, units
from tests.support.harness import SHANGHAI

T = datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)


def _lines(n: int, width: int = 49) -> str:
    """``n`` numbered lines of ``width`` characters each (plus the line break)."""
    return "\n".join(f"{i:04d}" + "事" * (width - 4) for i in range(n))


def test_short_text_is_one_part() -> None:
    assert split_text("你好", 1500) == ["你好"]
    assert split_text("", 1500) == [""]
    assert split_text("x" * 1500, 1500) == ["x" * 1500]


def test_long_text_splits_at_line_breaks_in_order() -> None:
    text = _lines(80)  # 80 lines of 50 with the break: 3,999 characters
    parts = split_text(text, 1500)
    assert len(parts) == 3
    assert all(len(p) <= 1500 for p in parts)
    assert all(not p.startswith("\n") and not p.endswith("\n") for p in parts)
    assert "\n".join(parts) == text  # each cut fell on a line break, and only it was dropped


def test_break_at_exactly_the_limit_is_used() -> None:
    text = "甲" * 10 + "\n" + "乙" * 10
    assert split_text(text, 10) == ["甲" * 10, "乙" * 10]


def test_blank_lines_at_a_cut_are_not_sent_as_parts() -> None:
    text = "甲" * 8 + "\n\n\n" + "乙" * 8
    assert split_text(text, 10) == ["甲" * 8, "乙" * 8]


def test_sentence_end_then_space_then_hard_cut() -> None:
    assert split_text("一二三四五六。七八九十甲乙", 10) == ["一二三四五六。", "七八九十甲乙"]
    assert split_text("abcdef ghijklmn", 10) == ["abcdef", "ghijklmn"]
    assert split_text("一" * 25, 10) == ["一" * 10, "一" * 10, "一" * 5]


def test_an_early_break_is_not_taken_for_a_tiny_part() -> None:
    # A line break in the first half of the window would leave a needlessly short part.
    assert split_text("甲\n" + "乙" * 30, 10)[0] == "甲\n" + "乙" * 8


def test_emoji_count_two_units_and_are_never_cut_in_half() -> None:
    text = "😀" * 12
    assert units(text) == 24
    parts = split_text(text, 5)
    assert parts == ["😀😀"] * 6
    assert all(units(p) <= 5 for p in parts)


def test_surrogate_pairs_as_code_points_are_kept_together() -> None:
    pair = "\ud83d\ude00"  # a surrogate pair as two code points (from a lenient decoder)
    text = "a" + pair * 5
    for part in split_text(text, 4):
        assert not part.endswith("\ud83d") and not part.startswith("\ude00")
    assert "".join(split_text(text, 4)) == text


@pytest.mark.parametrize(
    "cluster",
    [
        "👩\u200d👩\u200d👧",  # a family: emoji joined by ZWJ
        "👍🏽",  # thumbs up with a skin tone
        "e\u0301",  # e with a combining acute accent
        "❤\ufe0f",  # heart with the emoji variation selector
    ],
)
def test_clusters_are_not_cut(cluster: str) -> None:
    text = "一" * 7 + cluster + "二" * 7
    limit = 8 + units(cluster) // 2
    parts = split_text(text, limit)
    assert "".join(parts) == text
    assert any(cluster in p for p in parts)
    assert all(units(p) <= limit for p in parts)


def test_next_part_resumes_where_the_last_part_ended() -> None:
    text = _lines(80)
    first, offset = next_part(text, 0, 1500)
    assert split_text(text, 1500, start=offset) == split_text(text, 1500)[1:]
    assert text[:offset].rstrip("\n") == first


def test_limit_below_two_is_refused() -> None:
    with pytest.raises(ValueError):
        next_part("abc", 0, 1)


def test_sliding_window_allows_limit_per_minute() -> None:
    window = SlidingWindow(3)
    for s in (0, 10, 20):
        assert window.free("r", T + timedelta(seconds=s))
        window.record("r", T + timedelta(seconds=s))
    assert not window.free("r", T + timedelta(seconds=59))
    assert window.next_free("r", T + timedelta(seconds=59)) == T + timedelta(seconds=60)
    assert window.free("r", T + timedelta(seconds=60))
    assert window.free("other", T)


def test_sliding_window_forgets_sends_when_the_clock_goes_back() -> None:
    window = SlidingWindow(1)
    window.record("r", T)
    assert not window.free("r", T)
    assert window.free("r", T - timedelta(days=1))


def test_rate_limits_combine_room_and_global() -> None:
    limits = RateLimits(per_room=2, overall=3)
    for key in ("a", "a", "b"):
        assert limits.free(key, T)
        limits.record(key, T)
    assert not limits.room_free("a", T)
    assert limits.room_free("b", T) and not limits.global_free(T)
    assert not limits.free("c", T)
    unlimited = RateLimits(None, None)
    for _ in range(1000):
        unlimited.record("a", T)
    assert unlimited.free("a", T)
    with pytest.raises(ValueError):
        SlidingWindow(0)
