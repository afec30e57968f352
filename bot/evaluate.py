"""``liufang eval FILE.jsonl``: how well understanding does on a labelled file."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bot.understanding import load_understanding
from handlers.understanding import LexiconError, Understanding
from handlers.understanding.evaluation import LabelError, evaluate, format_scores, read_labelled
from handlers.understanding.frames import FramesError
from handlers.understanding.model import ModelError


def understanding_for(config: str | None) -> Understanding:
    """Understanding as the bot would load it with ``config`` (or the shipped defaults)."""
    from bot.config import load_settings

    return load_understanding(load_settings(Path(config)) if config else None)


def run_eval(path: Path, config: str | None, *, show_all: bool = False) -> int:
    """Print the figures for ``path``; 0 when scored, 1 for an unusable file or config."""
    from bot.config import ConfigError

    try:
        rows = read_labelled(path)
        nlp = understanding_for(config)
    except (LabelError, ConfigError) as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 1
    except (LexiconError, FramesError, ModelError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if not rows:
        print(f"{path}: no labelled lines", file=sys.stderr)
        return 1
    scores = evaluate(nlp.classify, rows)
    try:
        print(format_scores(scores, misses=None if show_all else 50), flush=True)
    except BrokenPipeError:  # `liufang eval … | head`: the reader has what it wanted
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stays open until the process ends
    return 0
