"""The matcher's text-search helpers: the regex pre-check and the shared phrase scan."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from handlers.understanding.textindex import clause_bound, required_chars, scan
from tests.support.harness import shared_nlp

TRAIN = Path(__file__).resolve().parents[2] / "handlers/understanding/data/train"


def _texts() -> list[str]:
    """Every training message, normalised as the classifier sees it."""
    from handlers.understanding import normalize_text

    return [
        normalize_text(json.loads(line)["text"])
        for path in sorted(TRAIN.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


@pytest.mark.parametrize(
    ("pattern", "needs"),
    [
        ("(煤气|燃气).{0,3}味", [{"煤", "燃"}, {"味"}]),
        ("[?？]$", [{"?", "？"}]),  # a plain class needs one of its characters
        ("[!！]{2,}", [{"!", "！"}]),
        ("[!！]*好", [{"好"}]),  # an optional class needs nothing
        ("^(好|哈+|OK)[!！]*$", [{"好", "哈", "O"}]),  # 哈+ still starts with 哈
        ("(往下|要)跳|跳下", [{"跳"}]),  # top level |: one character of each branch
        ("a|[0-9]", []),  # a branch with nothing known: always run
        ("(a(b|c)|d)e", [{"a", "d"}, {"e"}]),
        ("(a|b?c)d", [{"d"}]),  # b? may be missing: the group says nothing
        ("a(b|)c", [{"a"}, {"c"}]),
        ("[^ab]x", [{"x"}]),  # negated and range classes say nothing
        ("[一-龥]不", [{"不"}]),
        ("(?<![0-9])12(?![0-9])", [{"1"}, {"2"}]),
        ("[a|b]c", [{"a", "|", "b"}, {"c"}]),  # a "|" inside a class does not split
    ],
)
def test_required_chars(pattern: str, needs: list[set[str]]) -> None:
    """The literal characters a match must touch, read from the pattern's plain parts."""
    assert sorted(map(sorted, required_chars(pattern))) == sorted(map(sorted, needs))


def test_the_pre_check_never_skips_a_pattern_that_matches() -> None:
    """Every shipped pattern, every training message: a match touches each required set."""
    patterns = [p for table in shared_nlp().lexicon.patterns.values() for p in table]
    texts = _texts()
    checked = 0
    for pattern in patterns:
        regex, needs = re.compile(clause_bound(pattern)), required_chars(pattern)
        for text in texts:
            if regex.search(text):
                checked += 1
                assert all(not need.isdisjoint(text) for need in needs), (pattern, text)
    assert checked > 1000  # the check ran on real matches


def test_one_shared_scan_finds_what_separate_scans_find() -> None:
    """The lexicon's phrases and the frames' words in one automaton: the same results."""
    nlp = shared_nlp()
    matcher, frames = nlp._matcher, nlp.frames
    for text in _texts()[:1500]:
        tokens = nlp._segmenter.cut(text)
        words = scan(nlp._phrases, text)
        assert frames.scan(text, words) == frames.scan(text)
        assert matcher.match(text, tokens, words) == matcher.match(text, tokens)
