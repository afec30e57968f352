"""Normalisation and segmentation of chat text."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from handlers.understanding import Understanding, normalize_text, segmenter
from handlers.understanding.segmenter import Segmenter, close_voice_gaps, shared_segmenter

HELDOUT = (
    Path(__file__).resolve().parents[2] / "handlers/understanding/data/train/tuned_project.jsonl"
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("[呲牙][呲牙]", ""),
        ("好的[捂脸]谢谢", "好的 谢谢"),
        ("[OK]收到", "[OK]收到"),  # only bracketed Chinese is an emoticon code
        ("ＡＢＣ１２３！？", "ABC123！？"),
        ("楼道灯\u3000坏了", "楼道灯 坏了"),
        ("电梯\n坏了\r\n快来", "电梯 坏了 快来"),
        ("煤\x00气\u200b味\ufeff", "煤气味"),
        ("  多个   空格  ", "多个 空格"),
        ("@社区小助手 井盖松了", "井盖松了"),
        ("@王主任\u2005@李书记 材料已经交了", "材料已经交了"),
        ("@社区小助手", ""),
        ("邮箱 a@b.com 报修", "邮箱 a@b.com 报修"),
        ("", ""),
    ],
)
def test_normalize(raw: str, clean: str) -> None:
    """Control characters, full-width ASCII, emoticon codes, whitespace and a leading @."""
    assert normalize_text(raw) == clean


def test_the_one_translate_table_does_what_the_three_regex_steps_did() -> None:
    """Space-like to space, invisible dropped, full width to ASCII: every code point checked."""
    space_like = re.compile(r"[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]")
    invisible = re.compile(
        r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069"
        r"\ufeff\ud800-\udfff]"
    )
    half_width = {
        cp: cp - 0xFEE0
        for cp in range(0xFF01, 0xFF5F)
        if chr(cp - 0xFEE0).isalnum() or chr(cp - 0xFEE0) in "#@+-./%*'\"&_=<>[]{}|~^`$"
    } | {0x3000: 0x20}
    text = "".join(chr(cp) for cp in range(0x30000) if cp != 0x1B)
    steps = invisible.sub("", space_like.sub(" ", text)).translate(half_width)
    assert text.translate(segmenter._CLEAN) == steps
    # A terminal colour code goes whole, tabs inside it included.
    assert normalize_text("\x1b[31m红色\x1b[0m 灯坏了") == "红色 灯坏了"
    assert normalize_text("\x1b[31\tm灯\x1b") == "灯"  # the tab became a space first


def test_normalize_long_text_is_quick() -> None:
    """A 20,000-character message is cleaned in well under a second."""
    text = "楼道灯坏了[呲牙]，\n" * 2000
    start = time.perf_counter()
    clean = normalize_text(text)
    assert time.perf_counter() - start < 0.5
    assert "[呲牙]" not in clean and "\n" not in clean


def test_emoji_only_and_empty_are_not_reports() -> None:
    """Nothing to understand means class none, without raising."""
    nlp = Understanding.load()
    for text in ("👍👍👍", "", "   ", "[呲牙]", "!!!", "🌹" * 5000):
        got = nlp.classify(text)
        assert (got.klass, got.category, got.route, got.responsible) == (
            "none",
            "none",
            None,
            None,
        )


def test_huge_message_is_classified() -> None:
    """20,000 characters of report still classify quickly; the emergency in it is not lost.

    Two thousand lamp complaints outvote one lift entrapment in the model; the frame still sees
    it, so the ticket is at least 「可能是急事」 and the on-duty people are asked to check.
    """
    nlp = Understanding.load()
    start = time.perf_counter()
    got = nlp.classify("3栋电梯困人了，" + "楼道灯坏了很久没人修。" * 2000)
    assert time.perf_counter() - start < 2.0
    assert got.klass == "urgent" or (got.is_report and got.maybe_urgent), got


def test_cut_matches_jieba_exactly() -> None:
    """Our faster cut gives exactly jieba's own HMM-free tokens."""
    seg = shared_segmenter()
    texts = [
        json.loads(line)["text"]
        for line in HELDOUT.read_text(encoding="utf-8").split("\n")
        if line
    ]
    texts += [
        "",
        "abc 123 def",
        "hello世界 foo_bar 1.5kg",
        "a.b.c",
        "\r\n a \t b",
        "🌹🌹",
        "x" * 80,
    ]
    for text in texts + [normalize_text(t) for t in texts]:
        assert seg.cut(text) == seg.reference_cut(text), text


def test_added_words_reach_remembered_clauses_and_fragments() -> None:
    """A clause cut before a word was added is cut anew after it (no stale clause or miss)."""
    seg = Segmenter()
    text = "锦绣华庭的路灯坏了，锦绣华庭的路灯坏了"
    before = seg.cut(text)  # the second clause is served from memory
    assert before == seg.reference_cut(text) and "锦绣华庭" not in before
    seg.add_words(["锦绣华庭"])
    after = seg.cut(text)
    assert after == seg.reference_cut(text)
    assert after.count("锦绣华庭") == 2


def test_user_words_and_tokenize() -> None:
    """Local names become one token; search tokens drop punctuation and stop words."""
    nlp = Understanding.load(user_words=["锦绣华庭"])
    tokens = nlp.tokenize("锦绣华庭3栋的路灯坏了，请问谁管？")
    assert "锦绣华庭" in tokens and "路灯" in tokens
    assert not {"的", "，", "？", "请问"} & set(tokens)
    assert nlp.classify("锦绣华庭的路灯坏了").tokens == ("锦绣华庭", "路灯", "坏")


def test_jieba_loads_without_pkg_resources_and_reads_its_dictionary(tmp_path: Path) -> None:
    """A fresh process (no jieba cache yet) imports jieba without pkg_resources and still cuts."""
    code = (
        "import sys\n"
        "from handlers.understanding.segmenter import Segmenter\n"
        "assert 'pkg_resources' not in sys.modules, 'jieba imported pkg_resources'\n"
        "print('/'.join(Segmenter().cut('楼道灯坏了')))\n"
        "import pkg_resources  # still importable by anyone else\n"
    )
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "楼道灯/坏/了"
    assert (tmp_path / "jieba.cache").is_file()  # built from jieba's dictionary via open()


_KEPT = (
    "好的 谢谢",
    "3栋楼道里好大一股煤气味 谁家的 快去看看 急",
    "三栋 二单元的 楼道灯 一直不亮 麻烦看看",
)


@pytest.mark.parametrize(
    ("norm", "read"),
    [
        ("电 梯 关 人 了 九 栋 快 来 人", "电梯关人了九栋快来人"),  # a space after every character
        ("我家 煤气 好像 漏了 3栋 快 来人", "我家煤气好像漏了 3栋快来人"),  # CJK-CJK gaps only
        # too few chunks, or chunks that are phrases and clauses: the spacing is kept
        *((text, text) for text in _KEPT),
    ],
)
def test_dictation_gaps_close_and_clause_gaps_stay(norm: str, read: str) -> None:
    """Word-per-space voice input is read as one run; ordinary spacing is kept."""
    assert close_voice_gaps(norm) == read
