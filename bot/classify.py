"""``liufang classify``: classify chat messages read from stdin, one JSON object out per line.

Input lines are JSON objects with a ``text`` field (other fields pass through; an input
``class``/``category`` is kept as ``expected_class``/``expected_category`` so a labelled file
can be evaluated) or plain text.  Only message understanding is imported here: no database,
no web stack, so classifying one message starts in well under two seconds.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.understanding import load_understanding
from handlers.understanding import LexiconError, Understanding
from handlers.understanding.frames import FramesError
from handlers.understanding.model import ModelError

if TYPE_CHECKING:
    from bot.config import Settings

# Input keys that our own output would overwrite but that an evaluation needs to compare.
_KEEP_AS_EXPECTED = {"class": "expected_class", "category": "expected_category"}
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def run(
    stdin: TextIO,
    stdout: TextIO,
    lexicon_files: Sequence[Path] = (),
    settings: Settings | None = None,
) -> int:
    """Classify every non-blank line of ``stdin``; 0 when done, 2 if understanding is unusable.

    With ``settings`` the config's lexicons, frames and learned model are used.
    """
    try:
        nlp = load_understanding(settings) if settings else Understanding.load(lexicon_files)
    except (LexiconError, FramesError, ModelError) as exc:
        for problem in getattr(exc, "errors", None) or [str(exc)]:
            print(problem, file=sys.stderr)
        return 2
    write = stdout.write
    for number, raw in enumerate(stdin, start=1):
        line = raw.strip()
        if not line:
            continue
        record = classify_line(nlp, line, number)
        out = json.dumps(record, ensure_ascii=False)
        if _LONE_SURROGATE.search(out):  # "\ud800" in the input cannot be written as UTF-8
            out = json.dumps(record)
        write(out + "\n")
    stdout.flush()
    return 0


def classify_line(nlp: Understanding, line: str, number: int) -> dict[str, Any]:
    """The output object for one input line (an ``error`` object for unusable input)."""
    if line.startswith("{"):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            return {"error": f"invalid JSON: {exc.msg} (column {exc.colno})", "line": number}
        if not isinstance(record, dict):
            return {"error": "a JSON line must be an object with a text field", "line": number}
        text = record.get("text")
        if not isinstance(text, str):
            return {"error": 'the JSON object has no string "text" field', "line": number}
    else:
        record, text = {"text": line}, line
    for key, kept in _KEEP_AS_EXPECTED.items():
        if key in record and kept not in record:
            record[kept] = record.pop(key)
    try:
        result = nlp.classify(text).to_json()
    except Exception as exc:  # one odd message must not stop a 10,000-line batch
        return {"error": f"could not classify: {exc!r}", "line": number}
    record.update(result)
    return record
