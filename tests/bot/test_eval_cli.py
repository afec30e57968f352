"""``liufang eval FILE.jsonl``: figures, confusion and misses; a bad file explained."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main


def write(tmp_path: Path, rows: list[dict[str, object]] | list[str]) -> Path:
    """A labelled JSONL file."""
    path = tmp_path / "labelled.jsonl"
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_eval_prints_the_four_figures_confusion_and_misses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A right line counts; a deliberately wrong label shows up among the misses with its 依据."""
    path = write(
        tmp_path,
        [
            {"text": "3栋电梯困人了，里面有老人", "class": "urgent", "category": "elevator"},
            {"text": "谢谢大家", "class": "none", "category": "none"},
            {"text": "楼道灯坏了", "class": "difficult", "category": "noise"},  # wrong on purpose
        ],
    )
    assert main(["eval", str(path)]) == 0
    out = capsys.readouterr().out
    assert "class accuracy      0.667" in out
    assert "urgent recall       1.000" in out and "chatter -> ticket   0.000" in out
    assert "confusion" in out and "可能是急事 flagged" in out
    assert "labelled.jsonl:3  difficult/noise -> small/facility" in out and "类:" in out


def test_eval_names_every_bad_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Broken JSON, unknown class, mismatched none: all reported with line numbers, exit 1."""
    path = write(
        tmp_path,
        [
            "{broken",
            {"text": "路灯坏了", "class": "big", "category": "facility"},
            {"text": "你好", "class": "none", "category": "facility"},
        ],
    )
    assert main(["eval", str(path)]) == 1
    err = capsys.readouterr().err
    assert "labelled.jsonl:1: invalid JSON" in err
    assert "labelled.jsonl:2: class 'big'" in err
    assert "labelled.jsonl:3: category" in err


def test_eval_of_a_missing_file_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No traceback for a file that is not there."""
    assert main(["eval", str(tmp_path / "nope.jsonl")]) == 1
    assert "cannot read" in capsys.readouterr().err
