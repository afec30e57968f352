"""Text normalisation and the process's one jieba tokenizer (with the community dictionary)."""

from __future__ import annotations

import logging
import re
import string
import sys
import threading
from collections.abc import Iterable
from itertools import filterfalse
from math import inf, log
from pathlib import Path


def _import_jieba_without_pkg_resources() -> None:
    """Import jieba without letting it import ``pkg_resources`` (a quarter second at start).

    jieba only uses it to open its own data files and falls back to a plain ``open`` when the
    import fails; blocked only while jieba loads, so anyone else can still import it.
    """
    if "pkg_resources" in sys.modules or "jieba" in sys.modules:
        return
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # makes the import fail
    try:
        import jieba  # noqa: F401
    finally:
        del sys.modules["pkg_resources"]


_import_jieba_without_pkg_resources()

import jieba  # noqa: E402
from jieba import re_han_default as _RE_HAN  # noqa: E402

# jieba logs "Building prefix dict ..." at INFO on every start; the bot's log should not carry it.
jieba.setLogLevel(logging.WARNING)

DATA_DIR = Path(__file__).resolve().parent / "data"
COMMUNITY_DICT = DATA_DIR / "community_dict.txt"

# Control and invisible format characters.  Line breaks and tabs become spaces (they separate
# words in a chat message); the rest (NUL, every bidi control: the marks U+200E/U+200F/U+061C,
# the embeddings and overrides U+202A–U+202E and the isolates U+2066–U+2069; zero-width joiners,
# BOM, lone surrogates) are dropped.
_SPACE_LIKE_RANGES = ((0x09, 0x0D), (0x1C, 0x1F), (0x85, 0x85), (0x2028, 0x2029))
_INVISIBLE_RANGES = (
    (0x00, 0x08),
    (0x0E, 0x1B),
    (0x7F, 0x84),
    (0x86, 0x9F),
    (0x061C, 0x061C),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2069),
    (0xFEFF, 0xFEFF),
    (0xD800, 0xDFFF),  # lone surrogates (broken emoji from a bad decoder) cannot be re-encoded
)
_SPACE_LIKE = re.compile(
    "[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in _SPACE_LIKE_RANGES) + "]"
)
# Terminal colour codes pasted from a console (ESC [ 31 m): the whole sequence goes, not only
# the ESC, or "[31m" would stay in the text as noise.
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
# WeChat renders its built-in emoticons as text codes such as [呲牙] or [捂脸] when relayed.
_EMOTICON = re.compile(r"\[[\u4e00-\u9fff]{1,4}\]")
_WHITESPACE = re.compile(r"\s+")
# A leading "@name " (one or several) addresses the bot or a person; it is not content.
_LEADING_MENTION = re.compile(r"^(?:@[^\s@]{1,30}(?:\s+|$))+")
# Full-width letters, digits and the few symbols of numbers and commands (＃１２, Ｔ１２, ＠某人)
# map onto ASCII, as does the ideographic space. Chinese punctuation (，。！？：) stays as
# typed: it is what people read back in cards and progress notes.
_HALF_WIDTH = {
    cp: cp - 0xFEE0
    for cp in range(0xFF01, 0xFF5F)
    if chr(cp - 0xFEE0).isalnum() or chr(cp - 0xFEE0) in "#@+-./%*'\"&_=<>[]{}|~^`$"
} | {0x3000: 0x20}


def _char_table(ranges: tuple[tuple[int, int], ...], to: int | None) -> dict[int, int | None]:
    """Every code point of ``ranges`` (inclusive) mapped to ``to`` (None: dropped)."""
    return {cp: to for a, b in ranges for cp in range(a, b + 1)}


_DROP = _char_table(_INVISIBLE_RANGES, None)
_CLEAN = {
    **_char_table(_SPACE_LIKE_RANGES, 0x20),
    **_char_table(_INVISIBLE_RANGES, None),
    **_HALF_WIDTH,
}


def _char_class(codes: Iterable[int]) -> re.Pattern[str]:
    """A regex matching any one of the code points ``codes`` (runs written as ranges)."""
    runs: list[list[int]] = []
    for cp in sorted(codes):
        if runs and runs[-1][1] == cp - 1:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp])
    return re.compile(
        "[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in runs) + "]"
    )


# Most messages hold none of the characters _CLEAN changes: one regex scan finds that faster
# than translate() looks every character up in the table.
_CLEANABLE = _char_class(_CLEAN)

# Tokens that carry no meaning for search: punctuation, particles, pronouns.
_STOP_TEXT = (
    "的 了 吗 呢 啊 吧 呀 哦 哈 嘛 么 着 过 是 在 和 与 及 也 都 就 还 又 很 太 有 这 那 个 一 "
    "我 你 他 她 它 们 我们 你们 他们 大家 这个 那个 一个 什么 怎么 请 请问 麻烦 一下 谢谢"
)
STOP_WORDS = frozenset(_STOP_TEXT.split())
_PUNCT_TOKEN = re.compile(r"^[\W_]+$")
# What jieba's re_eng ([a-zA-Z0-9]) matches in one character, as a set: a look-up, not a regex.
_LATIN = frozenset(string.ascii_letters + string.digits)
# The score of a bare prefix (a dictionary entry of frequency 0): minus infinity, so it joins the
# sums and comparisons of real words and never wins one (no separate None test in the hot loop).
_PREFIX = -inf
# Fragments found to be neither words nor prefixes are remembered up to this many; then the set
# starts again (arbitrary text would otherwise grow it without end).
_MAX_ABSENT = 200_000


def strip_invisible(text: str) -> str:
    """``text`` without control and invisible format characters (bidi controls included).

    For names and topics, which keep their spacing and width as typed.
    """
    return _ANSI.sub("", text).translate(_DROP) if text else ""


def normalize_text(text: str) -> str:
    """Clean a chat message: control chars, full-width ASCII, emoticon codes, spaces, @mention."""
    if not text:
        return ""
    if not isinstance(text, str):  # defensive: callers sometimes pass JSON values through
        text = str(text)
    if "\x1b" in text:  # rare: the escape sequence must go before its ESC is dropped
        text = _ANSI.sub("", _SPACE_LIKE.sub(" ", text))
    # One pass: space-like characters to spaces, invisible ones dropped, full-width to ASCII
    # (the three sets are disjoint and no output is another's input, so one table does it).
    if _CLEANABLE.search(text):
        text = text.translate(_CLEAN)
    if "[" in text:  # most messages carry no emoticon code; skip the regex for them
        text = _EMOTICON.sub(" ", text)
    text = _WHITESPACE.sub(" ", text).strip()
    return _LEADING_MENTION.sub("", text).strip() if text.startswith("@") else text


# Voice input on some phones puts a space between every word or even every character
# (电 梯 关 人 了): the lexicon and the frames read words, so such spaces are closed up.
# A space is taken for a word break, not a clause break, when the message has at least four
# space-separated chunks, half of them at most two characters long and none longer than six.
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])")


def close_voice_gaps(norm: str) -> str:
    """``norm`` with the spaces between Chinese characters removed when they split words
    rather than clauses (dictated text); other text unchanged."""
    if norm.count(" ") < 3:
        return norm
    lengths = sorted(map(len, norm.split(" ")))
    if lengths[-1] > 6 or lengths[(len(lengths) - 1) // 2] > 2:
        return norm
    return _CJK_GAP.sub("", norm)


def understood_text(text: str) -> str:
    """What the understanding reads of a raw message: normalised, dictation gaps closed."""
    return close_voice_gaps(normalize_text(text))


class Segmenter:
    """A private ``jieba.Tokenizer`` with the community dictionary; thread-safe to call.

    ``cut`` gives exactly what ``Tokenizer.lcut(text, HMM=False)`` gives (jieba is pinned to
    0.42.1 and a test compares the two on every sample message), computed by a leaner copy of
    jieba's own dictionary search: one backward pass, log-probabilities cached per word.  That
    halves the time of the one step every message pays for.  The HMM guess for unknown words
    is skipped: it costs a third of jieba's time and an unknown name split into characters
    still matches in search.
    """

    def __init__(self, dictionaries: Iterable[Path] = (COMMUNITY_DICT,)) -> None:
        """Build the tokenizer; jieba's model loads from its temp-dir cache (~0.6 s)."""
        # A private instance, so words added here never leak into other users of global jieba.
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        self._lock = threading.Lock()
        self._words: set[str] = set()
        for path in dictionaries:
            self._tokenizer.load_userdict(str(path))
        self._reset_scores()

    def _reset_scores(self) -> None:
        # jieba scores a word by log(freq / total); adding a word changes total, so the cached
        # scores are dropped whenever the dictionary changes.  One tuple, swapped in a single
        # assignment, so a cut running meanwhile sees either the old or the new model whole.
        # The cache holds dictionary entries only (a word's score, _PREFIX for a bare prefix),
        # so it never outgrows the dictionary; it spares the big dictionary's look-ups.  The set
        # holds fragments that end a word search (not in the dictionary at all): every search
        # ends with one, and the big dictionary's miss is the dearest look-up of all.
        self._model: tuple[dict[str, int], dict[str, float], set[str], float] = (
            self._tokenizer.FREQ,
            {},
            set(),
            log(self._tokenizer.total),
        )

    def add_words(self, words: Iterable[str]) -> None:
        """Teach the tokenizer extra words (estate names, local place names)."""
        with self._lock:
            for word in words:
                word = word.strip()
                if word and word not in self._words:
                    self._words.add(word)
                    self._tokenizer.add_word(word)
            self._reset_scores()

    def cut(self, text: str) -> list[str]:
        """All jieba tokens of already-normalised text, spaces dropped."""
        out: list[str] = []
        # split() with jieba's one capturing group alternates text between runs (even places)
        # and the runs themselves (odd places): the parity says which is which, no re-match.
        for i, block in enumerate(_RE_HAN.split(text)):
            if not block:
                continue
            if i % 2:
                self._cut_block(block, out)
            else:  # punctuation and symbols: one token per character, as jieba does
                out.extend(filterfalse(str.isspace, block))  # in C: no generator frame
        return out

    def reference_cut(self, text: str) -> list[str]:
        """The same tokens straight from jieba (slower); ``cut`` must always agree with it."""
        return [t for t in self._tokenizer.lcut(text, HMM=False) if not t.isspace()]

    def _cut_block(self, block: str, out: list[str]) -> None:
        """jieba's maximum-probability path through the word graph of one block."""
        freq, scores, absent, log_total = self._model
        get = scores.get
        size = len(block)
        best = [0.0] * (size + 1)  # best log-probability of block[k:]
        step = [0] * size  # where the best first word starting at k ends
        for k in range(size - 1, -1, -1):
            top, end = _PREFIX, k + 1
            stop = k + 1
            frag = block[k]
            while True:  # every dictionary word starting at k (prefixes score minus infinity)
                score = get(frag)
                if score is None:
                    if frag in absent:  # not even a prefix: no longer word starts here
                        break
                    count = freq.get(frag)
                    if count is None:
                        if len(absent) >= _MAX_ABSENT:
                            absent.clear()
                        absent.add(frag)
                        break
                    score = scores[frag] = log(count) - log_total if count else _PREFIX
                score += best[stop]
                if score >= top:  # a tie goes to the longer word
                    top, end = score, stop
                if stop >= size:
                    break
                stop += 1
                frag = block[k:stop]
            if top == _PREFIX:  # no word: the single character, scored as frequency 1
                top, end = best[k + 1] - log_total, k + 1
            best[k], step[k] = top, end
        start, latin = 0, ""
        while start < size:
            end = step[start]
            word = block[start:end]
            if end - start == 1 and word in _LATIN:  # runs of latin letters/digits join
                latin += word
            else:
                if latin:
                    out.append(latin)
                    latin = ""
                out.append(word)
            start = end
        if latin:
            out.append(latin)

    def search_tokens(self, tokens: Iterable[str]) -> list[str]:
        """Tokens worth indexing: no punctuation, no stop words."""
        return [
            t for t in tokens if t not in STOP_WORDS and (t.isalnum() or not _PUNCT_TOKEN.match(t))
        ]


_shared: Segmenter | None = None
_shared_lock = threading.Lock()


def shared_segmenter() -> Segmenter:
    """The process-wide segmenter, initialised on first use."""
    global _shared
    if _shared is None:
        with _shared_lock:
            if _shared is None:
                _shared = Segmenter()
    return _shared
