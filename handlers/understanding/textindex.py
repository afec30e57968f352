"""Small text-search helpers for the matcher: an Aho-Corasick automaton and regex pre-checks."""

from __future__ import annotations

from typing import TypeAlias

import ahocorasick

# In lexicon patterns "." stands for any character of the same clause: "电梯.{0,15}困" must not
# join "电梯用了二十年" to "经常困人" across a comma.
_IN_CLAUSE = r"[^,.!?;:，。！？；：\s]"

Entries = tuple[tuple[str, float], ...]
# Each phrase maps to what is reported when it is the longest phrase ending there:
# (section, length, weight) for itself and for every shorter phrase it ends with.
Automaton: TypeAlias = ahocorasick.Automaton
# What a scan finds: section → (start, end, weight) of each phrase, in text order.
Found = dict[str, list[tuple[int, int, float]]]


def aho_corasick(phrases: dict[str, Entries]) -> Automaton:
    """An Aho-Corasick automaton (pyahocorasick, in C) over ``phrases``.

    Scanning a message is one pass however many phrases there are.  Each phrase carries the
    output of every phrase it ends with, folded once here (see ``_uncovered``), so a scan reads
    only the longest phrase ending at each position.
    """
    automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY, ahocorasick.KEY_STRING)
    folded: dict[str, tuple[tuple[int, Entries], ...]] = {}
    for phrase in sorted(phrases, key=len):  # shorter first: a suffix is folded before its phrase
        own = ((len(phrase), phrases[phrase]),)
        suffix = next((phrase[i:] for i in range(1, len(phrase)) if phrase[i:] in folded), None)
        folded[phrase] = own + _uncovered(own, folded[suffix]) if suffix else own
        # Stored flat, (section, length, weight) per output: one loop per match in ``scan``.
        flat = tuple((sec, length, w) for length, entries in folded[phrase] for sec, w in entries)
        automaton.add_word(phrase, flat)
    automaton.make_automaton()
    return automaton


def merge_phrases(*tables: dict[str, Entries]) -> dict[str, Entries]:
    """Phrase tables joined for one automaton: a phrase in several keeps all their entries."""
    out: dict[str, Entries] = {}
    for table in tables:
        for phrase, entries in table.items():
            out[phrase] = out.get(phrase, ()) + entries
    return out


def scan(automaton: Automaton, text: str) -> Found:
    """Every phrase of ``automaton`` in ``text``, grouped by section: (start, end, weight)."""
    groups: Found = {}
    if automaton.kind != ahocorasick.AHOCORASICK:  # no phrases at all
        return groups
    last = -1
    for end, outputs in automaton.iter(text):
        if end == last:  # a shorter phrase ending where the longest one did: already folded in
            continue
        last = end
        end += 1
        for section, length, weight in outputs:
            if section in groups:
                groups[section].append((end - length, end, weight))
            else:
                groups[section] = [(end - length, end, weight)]
    return groups


def _uncovered(
    own: tuple[tuple[int, Entries], ...], inherited: tuple[tuple[int, Entries], ...]
) -> tuple[tuple[int, Entries], ...]:
    """Inherited (shorter, same end) outputs not covered by this state's own longer phrase.

    A shorter phrase of a section inside a longer one of no smaller weight never counts (the
    matcher keeps the heavier, the longer on a tie), so it is dropped here once instead of on
    every message.  Negative cues always stay.
    """
    if not own:
        return inherited
    covering: dict[str, float] = {}
    for _, entries in own:
        for section, weight in entries:
            covering[section] = max(weight, covering.get(section, 0.0))
    kept = []
    for length, entries in inherited:
        rest = tuple((sec, w) for sec, w in entries if not 0 < w <= covering.get(sec, 0.0))
        if rest:
            kept.append((length, rest))
    return tuple(kept)


def clause_bound(pattern: str) -> str:
    """``pattern`` with every bare ``.`` (outside a character class) kept inside one clause."""
    out: list[str] = []
    escaped = in_class = False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == ".":
            out.append(_IN_CLAUSE)
            continue
        out.append(ch)
    return "".join(out)


_META = set("\\.^$*+?{}[]()|")
_OPTIONAL = ("?", "*", "{0")


def required_chars(pattern: str) -> list[frozenset[str]]:
    """Character sets a match of ``pattern`` must each touch, from its literal parts.

    ``(煤气|燃气).{0,3}味`` → [{煤, 燃}, {味}]: a message without 煤 or 燃, or without 味, cannot
    match.  A plain class (``[?？]``) needs one of its characters; ``a|b`` at the top needs one
    character of each branch.  Anything this simple reader does not understand contributes
    nothing; ``[]`` means "always run the regex".
    """
    branches = _split_options(pattern)
    if len(branches) > 1:  # a top level "|": one character of each branch, or nothing known
        picks = [min(needs, key=len) for needs in map(_required, branches) if needs]
        return [frozenset().union(*picks)] if len(picks) == len(branches) else []
    return _required(pattern)


def _required(pattern: str) -> list[frozenset[str]]:
    """``required_chars`` of a pattern without a top-level ``|``."""
    needs: list[frozenset[str]] = []
    i, size = 0, len(pattern)
    while i < size:
        ch = pattern[i]
        if ch == "\\":
            i = _skip_quantifier(pattern, i + 2)
        elif ch == "[":
            close = pattern.find("]", i + 2)
            if close < 0:
                return []
            inner = pattern[i + 1 : close]
            if not pattern.startswith(_OPTIONAL, close + 1) and _plain_class(inner):
                needs.append(frozenset(inner))
            i = _skip_quantifier(pattern, close + 1)
        elif ch == "(":
            close = _closing(pattern, i)
            if close < 0:
                return []
            after = _skip_quantifier(pattern, close + 1)
            options = _split_options(pattern[i + 1 : close])
            optional = pattern.startswith(_OPTIONAL, close + 1)
            firsts = [_first_literal(o) for o in options]
            if not optional and all(firsts):
                needs.append(frozenset(firsts))
            i = after
        elif ch in _META:
            i = _skip_quantifier(pattern, i + 1)
        else:
            if not pattern.startswith(_OPTIONAL, i + 1):
                needs.append(frozenset(ch))
            i = _skip_quantifier(pattern, i + 1)
    return needs


def _plain_class(inner: str) -> bool:
    """A class of literal characters only: no negation, range, escape or nested class."""
    return bool(inner) and inner[0] != "^" and not {"\\", "-", "[", "]"}.intersection(inner)


def _first_literal(option: str) -> str:
    """The literal character every match of ``option`` starts with, or "" when unsure."""
    if not option or option[0] in _META or option[0] in "|)":
        return ""
    return "" if option.startswith(_OPTIONAL, 1) else option[0]


def _split_options(pattern: str) -> list[str]:
    """``pattern`` split at its top-level ``|`` (not inside a group or a class)."""
    options, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if pattern.startswith("]", i + 1):  # "[]" starts a class holding "]"
                i += 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            options.append(pattern[start:i])
            start = i + 1
        i += 1
    options.append(pattern[start:])
    return options


def _closing(pattern: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(pattern)):
        if pattern[i] == "\\":
            continue
        depth += (pattern[i] == "(") - (pattern[i] == ")")
        if depth == 0:
            return i
    return -1


def _skip_quantifier(pattern: str, i: int) -> int:
    if pattern.startswith("{", i):
        close = pattern.find("}", i)
        return close + 1 if close > 0 else i + 1
    return i + 1 if pattern[i : i + 1] in ("?", "*", "+") else i
