"""``liufang classify`` (bot/classify.py): JSON and text lines in, one JSON object out per line."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

from bot.classify import run

REPO = Path(__file__).resolve().parents[2]


def classify(lines: str, lexicons: tuple[Path, ...] = ()) -> tuple[int, list[dict[str, object]]]:
    """Run the command on ``lines``; its exit status and parsed output."""
    out = io.StringIO()
    status = run(io.StringIO(lines), out, lexicons)
    return status, [json.loads(line) for line in out.getvalue().splitlines()]


def test_json_lines_pass_through_and_keep_labels() -> None:
    """Other fields pass through; an input class/category is kept as expected_*."""
    record = {
        "id": 7,
        "text": "3栋电梯困人了",
        "class": "small",
        "category": "noise",
        "who": "网格长",
    }
    status, rows = classify(json.dumps(record, ensure_ascii=False) + "\n")
    assert status == 0
    (row,) = rows
    assert row["id"] == 7 and row["who"] == "网格长"
    assert (row["expected_class"], row["expected_category"]) == ("small", "noise")
    assert (row["class"], row["category"], row["route"]) == ("urgent", "elevator", "onsite")
    assert row["location"] == "3栋电梯"
    assert row["cues"] and all(isinstance(c, str) for c in row["cues"])


def test_plain_lines_blank_lines_and_bad_json() -> None:
    """Text lines are messages, blank lines are skipped, bad JSON yields an error object."""
    status, rows = classify('楼道灯坏了\n\n   \n{not json\n[1, 2]\n{"text": 5}\n{"id": 1}\n谢谢\n')
    assert status == 0
    assert rows[0]["text"] == "楼道灯坏了" and rows[0]["class"] == "small"
    assert rows[1]["error"].startswith("invalid JSON") and rows[1]["line"] == 4
    assert rows[2]["text"] == "[1, 2]"  # not an object: just text
    assert rows[3] == {"error": 'the JSON object has no string "text" field', "line": 6}
    assert rows[4]["line"] == 7 and "error" in rows[4]
    assert rows[5]["class"] == "none" and rows[5]["route"] is None
    for row in rows:
        assert "error" in row or {"text", "class", "category", "route", "location", "cues"} <= set(
            row
        )


def test_unencodable_text_still_gives_valid_output() -> None:
    """A lone surrogate escaped in the input comes back escaped, not as a crash."""
    status, rows = classify('{"text": "电梯坏了\\ud800"}\n')
    assert status == 0 and rows[0]["text"] == "电梯坏了\ud800" and rows[0]["class"] == "small"


def test_ten_thousand_lines() -> None:
    """A large batch runs in one process, every line answered in order."""
    texts = ["8栋楼道的声控灯坏了", "紧急！地下车库着火了", "收到，谢谢", "要不要换物业，业主投票"]
    lines = "".join(
        json.dumps({"id": i, "text": texts[i % 4]}, ensure_ascii=False) + "\n"
        for i in range(10_000)
    )
    start = time.perf_counter()
    status, rows = classify(lines)
    assert status == 0 and len(rows) == 10_000
    assert [r["id"] for r in rows] == list(range(10_000))
    assert [r["class"] for r in rows[:4]] == ["small", "urgent", "none", "difficult"]
    assert time.perf_counter() - start < 30


def test_bad_lexicon_is_refused(tmp_path: Path) -> None:
    """An unusable extension lexicon stops the command with status 2."""
    bad = tmp_path / "bad.toml"
    bad.write_text('[classes.urgent.cues]\n"x" = ["火"]\n', encoding="utf-8")
    status, rows = classify("楼道灯坏了\n", (bad,))
    assert status == 2 and rows == []


def test_module_imports_stay_light() -> None:
    """The classify path imports no database or web stack (that is what keeps it fast)."""
    code = (
        "import sys, bot.classify; "
        "heavy = [m for m in ('sqlmodel', 'sqlalchemy', 'aiohttp', 'apscheduler', 'wechaty') "
        "if m in sys.modules]; print(heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
