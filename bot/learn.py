"""``liufang learn``: retrain the learned model on the shipped data plus chat corrections."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.understanding import load_understanding
from handlers.commands.parser import ticket_ref
from handlers.understanding import Understanding
from handlers.understanding.evaluation import Labelled, Scores, evaluate
from handlers.understanding.model import SHIPPED_MODEL, LinearModel, ModelError

if TYPE_CHECKING:
    from bot.config import Settings

_FIGURES = (
    ("class_accuracy", "class accuracy"),
    ("urgent_recall", "urgent recall"),
    ("chatter_to_ticket", "chatter -> ticket"),
    ("category_accuracy", "category accuracy"),
)


def corrections(settings: Settings, community: str | None = None) -> list[Labelled]:
    """The 改为 corrections stored in the deployment's database, as labelled rows."""
    from bot.assembly import open_database
    from storage.corrections import labelled_examples

    db = open_database(settings)
    try:
        with db.session() as session:
            rows = labelled_examples(session, community)
            return [
                Labelled(
                    r.text, r.klass, r.category, f"{r.community_code}:{ticket_ref(r.ticket_id)}"
                )
                for r in rows
            ]
    finally:
        db.dispose()


def run_learn(
    settings: Settings | None,
    *,
    out: Path | None,
    community: str | None = None,
    folds: int = 5,
    extra: tuple[Path, ...] = (),
) -> int:
    """Train, print cross-validated figures before and after, write the model; 0 when done."""
    import importlib.util

    if importlib.util.find_spec("sklearn") is None:
        # Training needs scikit-learn (and scipy, ~200 MB), which the running bot does not.
        print(
            "重新学习需要 scikit-learn：请运行 make model，或 .venv/bin/pip install '.[learn]'\n"
            "liufang learn needs scikit-learn: run `make model` or pip install '.[learn]'",
            file=sys.stderr,
        )
        return 1
    from handlers.understanding.evaluation import LabelError, read_labelled
    from handlers.understanding.training import learn, shipped_corpus

    try:
        rows = shipped_corpus()
        for path in extra:
            rows += read_labelled(path)
    except LabelError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 1
    local = corrections(settings, community) if settings is not None else []
    target = out or (settings.model_file if settings is not None else SHIPPED_MODEL)
    current = _current_model(target)
    rules = load_understanding(settings, model=False)
    print(
        f"training on {len(rows)} shipped lines + {len(local)} corrections,"
        f" {folds}-fold CV by source …"
    )
    learned = learn(rules, rows + local, k=folds)
    before = current.info.get("cv") if current else None
    _table(
        "cross-validated, each source file held out whole, on lines the lexicon was not tuned on",
        [
            ("rules only", learned.rules_only.figures()),
            ("model before", before if isinstance(before, dict) else None),
            ("model after", learned.combined.figures()),
        ],
    )
    if local:
        was = _on(current, rules, local)
        now = _on(learned.model, rules, local)
        _table(
            f"on the {len(local)} corrections (after: trained on them)",
            [
                ("model before", was.figures() if was else None),
                ("model after", now.figures() if now else None),
            ],
        )
    learned.model.save(target)
    print(f"written {target} — the bot uses it after a restart")
    return 0


def _current_model(path: Path) -> LinearModel | None:
    for candidate in (path, SHIPPED_MODEL):
        try:
            return LinearModel.load(candidate)
        except ModelError:
            continue
    return None


def _on(model: LinearModel | None, rules: Understanding, rows: list[Labelled]) -> Scores | None:
    if model is None:
        return None
    return evaluate(rules.with_model(model).classify, rows)


def _table(title: str, lines: list[tuple[str, dict[str, float] | None]]) -> None:
    print(f"\n{title}")
    print(f"  {'':14}" + "".join(f"{label:>20}" for _, label in _FIGURES))
    for name, figures in lines:
        if figures is None:
            print(f"  {name:14}" + f"{'-':>20}" * len(_FIGURES))
            continue
        print(f"  {name:14}" + "".join(f"{figures[key]:>20.3f}" for key, _ in _FIGURES))
