"""Splitting a long text into parts that each fit the channel's limit.

Lengths are counted in UTF-16 code units, the unit WeChat and most chat clients count in: an
emoji outside the Basic Multilingual Plane costs two. That is never less than Python's own
length, so a part that fits in units fits in characters too. A cut never falls inside a
surrogate pair, before a combining mark, or inside an emoji sequence joined by U+200D.
"""

from __future__ import annotations

import unicodedata

# Where a part may end, best first: a line break, the end of a sentence, a space. A break is
# taken only in the second half of the window, so no part is needlessly short.
_LINE_BREAKS = "\n"
_SENTENCE_ENDS = "。！？；!?;…"
_SPACES = " \u3000\t"
_JOINERS = {"\u200d"}  # zero-width joiner: glues the emoji on either side into one
_MODIFIERS = range(0x1F3FB, 0x1F400)  # skin tones attach to the emoji before them


def units(text: str) -> int:
    """Length of ``text`` in UTF-16 code units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _fits(text: str, start: int, limit: int) -> int:
    """The largest end such that ``text[start:end]`` is at most ``limit`` units."""
    if 2 * (len(text) - start) <= limit:
        return len(text)  # fits even if every character took two units: no need to count
    used = 0
    end = start
    while end < len(text):
        cost = 2 if ord(text[end]) > 0xFFFF else 1
        if used + cost > limit:
            break
        used += cost
        end += 1
    return end


def _attaches(ch: str) -> bool:
    """True for a character that belongs with the one before it."""
    return (
        "\udc00" <= ch <= "\udfff"  # the low half of a surrogate pair
        or ch in _JOINERS
        or "\ufe00" <= ch <= "\ufe0f"  # variation selectors
        or ord(ch) in _MODIFIERS
        or unicodedata.combining(ch) != 0
    )


def _safe_cut(text: str, start: int, end: int) -> int:
    """Move a hard cut back until it separates two whole characters (never below start + 1)."""
    cut = end
    while cut > start + 1 and (_attaches(text[cut]) or text[cut - 1] in _JOINERS):
        cut -= 1
    if cut == start + 1 and (_attaches(text[cut]) or text[cut - 1] in _JOINERS):
        return end  # one unbreakable cluster longer than the limit: cut it where it must be
    return cut


def _skip_breaks(text: str, pos: int) -> int:
    """Skip the line breaks at ``pos``, so the next part does not start with empty lines."""
    while pos < len(text) and text[pos] in "\r\n":
        pos += 1
    return pos


def next_part(text: str, start: int, limit: int) -> tuple[str, int]:
    """The part of ``text`` from ``start`` that fits ``limit`` units, and where the next starts."""
    if limit < 2:
        raise ValueError("a message limit below 2 units cannot hold every character")
    end = _fits(text, start, limit)
    if end >= len(text):
        return text[start:], len(text)
    floor = start + (end - start) // 2
    for chars, keep in ((_LINE_BREAKS, False), (_SENTENCE_ENDS, True), (_SPACES, False)):
        # A break character exactly at ``end`` still closes a part that fits when dropped.
        stop = end + 1 if not keep else end
        best = max(text.rfind(ch, floor, stop) for ch in chars)
        if best > start:
            cut = best + 1 if keep else best
            nxt = best + 1
            return text[start:cut].rstrip("\r\n"), _skip_breaks(text, nxt)
    cut = _safe_cut(text, start, end)
    return text[start:cut], cut


def split_text(text: str, limit: int, start: int = 0) -> list[str]:
    """Every part of ``text`` from ``start``, in order, each at most ``limit`` units."""
    parts = []
    while True:
        part, start = next_part(text, start, limit)
        parts.append(part)
        if start >= len(text):
            return parts
