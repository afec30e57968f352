"""Fast cue matching: every lexicon phrase, token cue and pattern found in one message."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import chain, repeat
from operator import itemgetter
from typing import NamedTuple

from handlers.understanding.lexicon import Lexicon
from handlers.understanding.textindex import (
    Found,
    aho_corasick,
    clause_bound,
    required_chars,
    scan,
)

# Only danger and problem cues can be negated: "不是煤气味" is no danger, "没坏" no problem.
# A category cue keeps its weight under negation because the message still talks about it.
NEGATABLE = frozenset({"urgent", "small"})
_NEGATION_WINDOW = 4
_CLAUSE_BREAK = frozenset(",.!?;:，。！？；：、~～ ")


class Hit(NamedTuple):
    """One cue found in a message (a tuple: thousands are made per second)."""

    section: str  # nonreport | urgent | difficult | small | cat:<category>
    text: str  # the cue as it appears in the message
    weight: float
    start: int
    end: int
    negator: str | None = None  # set when a negator right before the cue cancels it


class Matcher:
    """Compiled form of a ``Lexicon``: an Aho-Corasick automaton, token tables and regexes."""

    def __init__(self, lexicon: Lexicon) -> None:
        """Index the lexicon once; matching then costs about one dict look-up per character."""
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
        self.phrases = {k: tuple(v) for k, v in phrases.items()}
        self._sections = frozenset(lexicon.cues) | frozenset(lexicon.patterns)
        self._tokens = {k: tuple(v) for k, v in tokens.items()}
        # "*灯" matches any longer token ending in 灯 (路灯, 指示灯): the last character of a
        # Chinese compound noun names what it is, so unseen objects still find their category.
        self._heads = {k: tuple(v) for k, v in heads.items()}
        # Validation guarantees a "*" cue names exactly one final character.
        self._token_keys = frozenset(self._tokens)
        self._head_keys = frozenset(self._heads)
        self._automaton = aho_corasick(self.phrases)
        # Patterns are indexed by characters a match must contain (see ``required_chars``): a
        # message runs only patterns whose rarest required set it touches, then checks the
        # other sets against its character set.  Rarity is estimated from the lexicon's own
        # phrases.
        freq = Counter(ch for phrase in self.phrases for ch in phrase)
        self._patterns: list[tuple[str, re.Pattern[str], float, tuple[frozenset[str], ...]]] = []
        self._always: list[int] = []
        by_char: dict[str, list[int]] = defaultdict(list)
        for section, table in lexicon.patterns.items():
            for pattern, weight in table.items():
                index = len(self._patterns)
                needs = required_chars(pattern)
                key = min(needs, key=lambda n: sum(freq[c] for c in n), default=frozenset())
                # The other sets are tested against the message's character set: a few C set
                # probes, where bit masks needed a sum of ~300-bit integers for every message.
                others = tuple(n for n in needs if n is not key)
                self._patterns.append((section, re.compile(clause_bound(pattern)), weight, others))
                if not key:
                    self._always.append(index)
                for ch in key:
                    by_char[ch].append(index)
        # Per character of a message: the patterns it may start.
        self._starts = {ch: tuple(numbers) for ch, numbers in by_char.items()}
        negators = sorted(set(lexicon.negators), key=len, reverse=True)
        self._negator_chars = frozenset("".join(negators))
        self._negation = (
            re.compile("(" + "|".join(map(re.escape, negators)) + ")(?:是|有|再|什么|啥)?$")
            if negators
            else None
        )

    def match(
        self,
        text: str,
        tokens: Sequence[str],
        groups: Found | None = None,
    ) -> list[Hit]:
        """All cues in ``text`` (of cues nested in one section, only the heaviest counts).

        ``groups``: the phrases already found by a shared automaton holding this matcher's
        ``phrases`` (other sections in it are left alone); added to in place.
        """
        # Raw hits are plain (start, end, weight) tuples grouped by section: cheap to make, and
        # only the survivors become ``Hit`` objects.
        # One Aho-Corasick pass finds every phrase at every position, one step per character.
        if groups is None:
            groups = scan(self._automaton, text)
        # Token cues: set operations find the (rare) matching tokens without a Python loop
        # over every token; positions are worked out only when something matched.
        matched = self._token_keys.intersection(tokens)
        chars = set(text)
        # A "*" head cue needs a token of two or more characters ending in it: set tests on the
        # message's characters, then on every token's last character (C loops), rule most
        # messages out first.  (A token whose last character is not in the text is not in the
        # text either, so it would find no position below.)
        heads = self._head_keys
        if not heads.isdisjoint(chars) and not heads.isdisjoint(map(_last_char, tokens)):
            matched = matched.union(t for t in tokens if len(t) > 1 and t[-1] in heads)
        if matched:
            pos = 0
            for token in tokens:
                start = text.find(token, pos)
                if start < 0:
                    continue
                pos = start + len(token)
                if token not in matched:
                    continue
                for section, weight in self._tokens.get(token, ()):
                    groups.setdefault(section, []).append((start, pos, weight))
                if len(token) > 1:
                    for section, weight in self._heads.get(token[-1], ()):
                        groups.setdefault(section, []).append((start, pos, weight))
        # The patterns the characters may start, gathered by C loops (map, chain) rather than
        # a Python loop over the message's characters.  Added one by one in the same order as
        # set(always).union(*tuples) did, so the set iterates in the same order (which sets the
        # order of the pattern hits), without unpacking the tuples into an argument list.
        candidates = set(chain(self._always, _flat(map(self._starts.get, chars, repeat(())))))
        patterns = self._patterns
        for number in candidates:
            section, regex, weight, needs = patterns[number]
            for need in needs:
                if chars.isdisjoint(need):
                    break
            else:
                m = regex.search(text)
                if m and m.end() > m.start():
                    groups.setdefault(section, []).append((m.start(), m.end(), weight))
        return self._settle(text, groups, chars)

    def _settle(self, text: str, groups: Found, chars: set[str]) -> list[Hit]:
        """Keep one cue per nest and section, each cue text once, and mark negations."""
        kept: list[Hit] = []
        recheck = "nonreport" in groups
        sections = self._sections
        # No negator character anywhere: no cue of this message can be negated.  (Against the
        # message's character set: its strings exist already, the text's would be made anew.)
        may_negate = self._negation is not None and not self._negator_chars.isdisjoint(chars)
        for section, raw in groups.items():
            if section not in sections:  # another reader's words in a shared scan
                continue
            if len(raw) > 1:
                raw = _longest_per_span(text, raw)
            negatable = may_negate and section in NEGATABLE
            for start, end, weight in raw:
                negator = self._negator_before(text, start) if negatable and start else None
                recheck = recheck or negator is not None
                # tuple.__new__ skips the NamedTuple's Python-level __new__ (several per message).
                kept.append(_new_hit(Hit, (section, text[start:end], weight, start, end, negator)))
        if recheck:
            # "公告" inside "公告栏", "收到" inside "没收到": small talk inside a longer cue of
            # the subject is part of that subject.  Likewise a negated danger word inside a
            # longer phrase ("着火" in "打不着火") is part of that phrase, not a denial.
            kept = [
                h
                for h in kept
                if not ((h.section == "nonreport" or h.negator) and _inside_other(h, kept))
            ]
        return kept

    def _negator_before(self, text: str, start: int) -> str | None:
        window = text[max(0, start - _NEGATION_WINDOW) : start]
        if self._negation is None or self._negator_chars.isdisjoint(window):
            return None
        for j in range(len(window) - 1, -1, -1):  # negation does not cross a comma
            if window[j] in _CLAUSE_BREAK:
                window = window[j + 1 :]
                break
        m = self._negation.search(window)
        return m[0] if m else None


_new_hit = tuple.__new__
_flat = chain.from_iterable
_last_char = itemgetter(-1)


def _longest_per_span(
    text: str, raw: list[tuple[int, int, float]]
) -> list[tuple[int, int, float]]:
    """One section's raw hits without repeats, and one cue per nest of cues.

    Of cues inside one another ("没解决" in "一直没解决") the heaviest counts, the longer on a
    tie: the specific phrase is the one its author weighed.
    """
    # Heaviest first, then longest, then leftmost: tuples that plain sort() puts in that order
    # (a key function would be a Python call per hit, made from C).  Equal leading fields mean
    # the same span and weight, so the order is the one the key gave.
    order = []
    for start, end, weight in raw:
        order.append((-weight, start - end, start, end, weight))
    order.sort()
    spans: list[tuple[int, int]] = []
    seen: set[str] = set()
    kept: list[tuple[int, int, float]] = []
    for _, _, start, end, weight in order:
        cue = text[start:end]
        if cue in seen:
            continue
        # A negative cue ("经常", "演练") qualifies whatever it sits in, so it always counts.
        if weight > 0:
            for a, b in spans:  # a plain loop: any() over a generator costs twice as much here
                if (a <= start and end <= b) or (start <= a and b <= end):
                    break
            else:
                spans.append((start, end))
                seen.add(cue)
                kept.append((start, end, weight))
            continue
        seen.add(cue)
        kept.append((start, end, weight))
    return kept


def _inside_other(hit: Hit, hits: list[Hit]) -> bool:
    """True when a longer hit of another section covers ``hit``."""
    section, _, _, start, end, _ = hit
    length = end - start
    for o in hits:  # a plain loop: any() over a generator costs twice as much here
        if o[0] != section and o[3] <= start and end <= o[4] and o[4] - o[3] > length:
            return True
    return False
