"""Fast cue matching: every lexicon phrase, token cue and pattern found in one message."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from handlers.understanding.lexicon import Lexicon

# Only danger and problem cues can be negated: "不是煤气味" is no danger, "没坏" no problem.
# A category cue keeps its weight under negation because the message still talks about it.
NEGATABLE = frozenset({"urgent", "small"})
_NEGATION_WINDOW = 4
_CLAUSE_BREAK = re.compile(r"[,.!?;:，。！？；：、~～\s]")


@dataclass(frozen=True, slots=True)
class Hit:
    """One cue found in a message."""

    section: str  # nonreport | urgent | difficult | small | cat:<category>
    text: str  # the cue as it appears in the message
    weight: float
    start: int
    end: int
    negator: str | None = None  # set when a negator right before the cue cancels it


class Matcher:
    """Compiled form of a ``Lexicon``: a phrase index keyed by first character plus regexes."""

    def __init__(self, lexicon: Lexicon) -> None:
        """Index the lexicon once; matching then costs a few dict look-ups per character."""
        phrases: dict[str, list[tuple[str, float]]] = defaultdict(list)
        tokens: dict[str, list[tuple[str, float]]] = defaultdict(list)
        heads: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for section, cues in lexicon.cues.items():
            for cue, weight in cues.items():
                if cue.startswith("="):
                    tokens[cue[1:].strip()].append((section, weight))
                elif cue.startswith("*"):
                    heads[cue[1:].strip()].append((section, weight))
                else:
                    phrases[cue].append((section, weight))
        self._phrases = {k: tuple(v) for k, v in phrases.items()}
        self._tokens = {k: tuple(v) for k, v in tokens.items()}
        # "*灯" matches any longer token ending in 灯 (路灯, 指示灯): the last character of a
        # Chinese compound noun names what it is, so unseen objects still find their category.
        self._heads = {k: tuple(v) for k, v in heads.items()}
        self._head_sizes = tuple(sorted({len(k) for k in heads}))
        lengths: dict[str, set[int]] = defaultdict(set)
        for phrase in self._phrases:
            lengths[phrase[0]].add(len(phrase))
        # Per first character, the phrase lengths to try: most characters start no cue at all.
        self._lengths = {ch: tuple(sorted(ls, reverse=True)) for ch, ls in lengths.items()}
        self._patterns = [
            (section, re.compile(pattern), weight)
            for section, table in lexicon.patterns.items()
            for pattern, weight in table.items()
        ]
        negators = sorted(set(lexicon.negators), key=len, reverse=True)
        self._negation = (
            re.compile("(" + "|".join(map(re.escape, negators)) + ")(?:是|有|再|什么|啥)?$")
            if negators
            else None
        )

    def match(self, text: str, tokens: Sequence[str]) -> list[Hit]:
        """All hits in ``text``; in one section, a cue inside a longer matched cue is dropped."""
        found: list[Hit] = []
        lengths, phrases, size = self._lengths, self._phrases, len(text)
        for i, ch in enumerate(text):
            for length in lengths.get(ch, ()):
                if i + length <= size:
                    entries = phrases.get(text[i : i + length])
                    if entries:
                        for section, weight in entries:
                            found.append(Hit(section, text[i : i + length], weight, i, i + length))
        if self._tokens or self._heads:
            pos = 0
            for token in tokens:
                start = text.find(token, pos)
                if start < 0:
                    continue
                pos = start + len(token)
                for section, weight in self._tokens.get(token, ()):
                    found.append(Hit(section, token, weight, start, pos))
                for size in self._head_sizes:
                    if len(token) > size:
                        for section, weight in self._heads.get(token[-size:], ()):
                            found.append(Hit(section, token, weight, start, pos))
        for section, regex, weight in self._patterns:
            m = regex.search(text)
            if m and m.end() > m.start():
                found.append(Hit(section, m[0], weight, m.start(), m.end()))
        return self._settle(text, found)

    def _settle(self, text: str, found: list[Hit]) -> list[Hit]:
        """Keep the longest cue per span and section, each cue text once, and mark negations."""
        found.sort(key=lambda h: (h.start - h.end, h.start))  # longest first, then leftmost
        spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
        seen: set[tuple[str, str]] = set()
        kept: list[Hit] = []
        for hit in found:
            taken = spans[hit.section]
            if (hit.section, hit.text) in seen:
                continue
            if any(a <= hit.start and hit.end <= b for a, b in taken):
                continue
            taken.append((hit.start, hit.end))
            seen.add((hit.section, hit.text))
            if hit.section in NEGATABLE:
                negator = self._negator_before(text, hit.start)
                if negator:
                    hit = Hit(hit.section, hit.text, hit.weight, hit.start, hit.end, negator)
            kept.append(hit)
        # "公告" inside "公告栏", "收到" inside "没收到": a chat word inside a longer cue of the
        # message's subject is part of that subject, not small talk.
        # Likewise a negated danger word inside a longer phrase ("着火" in "打不着火") is part of
        # that phrase, not a denial.
        kept = [
            h
            for h in kept
            if not ((h.section == "nonreport" or h.negator) and _inside_other(h, kept))
        ]
        kept.sort(key=lambda h: h.start)
        return kept

    def _negator_before(self, text: str, start: int) -> str | None:
        if self._negation is None or start == 0:
            return None
        window = text[max(0, start - _NEGATION_WINDOW) : start]
        window = _CLAUSE_BREAK.split(window)[-1]  # negation does not cross a comma
        m = self._negation.search(window)
        return m[0] if m else None


def _inside_other(hit: Hit, hits: list[Hit]) -> bool:
    """True when a longer hit of another section covers ``hit``."""
    return any(
        o.section != hit.section
        and o.start <= hit.start
        and hit.end <= o.end
        and o.end - o.start > hit.end - hit.start
        for o in hits
    )
