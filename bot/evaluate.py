"""``liufang eval FILE.jsonl``: how well understanding does on a labelled file."""

from __future__ import annotations

import sys
from pathlib import Path

from handlers.understanding import LexiconError, Understanding
from handlers.understanding.evaluation import LabelError, evaluate, format_scores, read_labelled


def load_understanding(config: str | None) -> Understanding:
    """Understanding as the bot would load it with ``config`` (or the shipped defaults)."""
    lexicons: tuple[Path, ...] = ()
    if config:
        from bot.config import load_settings

        lexicons = load_settings(Path(config)).lexicon_files
    return Understanding.load(lexicons)


def run_eval(path: Path, config: str | None, *, show_all: bool = False) -> int:
    """Print the figures for ``path``; 0 when scored, 1 for an unusable file or config."""
    from bot.config import ConfigError

    try:
        rows = read_labelled(path)
        nlp = load_understanding(config)
    except LabelError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 1
    except (ConfigError, LexiconError) as exc:
        print("\n".join(getattr(exc, "problems", None) or exc.errors), file=sys.stderr)
        return 1
    if not rows:
        print(f"{path}: no labelled lines", file=sys.stderr)
        return 1
    scores = evaluate(nlp.classify, rows)
    print(format_scores(scores, misses=None if show_all else 50))
    return 0
