"""Understanding regression: labelled sets held close to their measured figures.

None of these figures is a generalisation figure. The shared dev sample is in the training
data. ``data/untouched-6.jsonl`` and ``data/untouched-7.jsonl`` (240 lines each) were written
in session 8 by two helpers who read DESIGN.md and the two shared example files only, never
the project's data; they are not trained on. Their first contact (docs/eval/untouched-6-first-
contact.txt, -7-: the model of 7ecaa49) and second contact (this session's model, before their
misclassified lines were read) are in the README. Once scored they are guards: a bar is the
measured count less a message or two, and a change that loses more fails here. The earlier
sets untouched-1..5 were scored so often while tuning that they joined the training data
(``train/tuned_untouched_*``, ``train/others_untouched_*``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from handlers.understanding import Understanding
from handlers.understanding.evaluation import Scores, evaluate, read_labelled
from handlers.understanding.training import TRAIN_DIR
from tests.support.harness import shared_nlp

# The shared sample lives beside the repository: <repo>/../shared/data/messages-dev.jsonl.
DEV = Path(__file__).resolve().parents[3] / "shared/data/messages-dev.jsonl"
UNTOUCHED = Path(__file__).resolve().parent / "data"


def score(nlp: Understanding, path: Path) -> Scores:
    """Classify every labelled line of ``path`` and compare with its labels."""
    return evaluate(nlp.classify, read_labelled(path))


def test_dev_sample() -> None:
    """The shared sample (trained on): the project's stated quality bars."""
    if not DEV.is_file():
        pytest.skip(f"shared sample {DEV} is not checked out next to the repository")
    got = score(shared_nlp(), DEV)
    assert got.class_accuracy >= 0.95, got.figures()
    assert got.urgent_recall >= 0.95, got.figures()
    assert got.chatter_to_ticket <= 1 / 20, got.figures()
    assert got.category_accuracy >= 0.90, got.figures()


@dataclass(frozen=True)
class Measured:
    """Counts measured on one set (docs/eval/final.txt), the regression bars' reference."""

    class_right: int
    urgent_caught: int
    nonreport_tickets: int
    category_right: int


# Measured with the shipped model; re-measure (liufang eval) and update with any change that
# moves them on purpose, saying so in the commit.
MEASURED = {
    "untouched-6.jsonl": Measured(
        class_right=224, urgent_caught=59, nonreport_tickets=1, category_right=192
    ),
    "untouched-7.jsonl": Measured(
        class_right=229, urgent_caught=52, nonreport_tickets=2, category_right=200
    ),
}
# A regression is more than this many messages worse than measured.
SLACK_WIDE = 2  # class and category: hundreds of messages, a borderline one may flip
SLACK_NARROW = 1  # urgent caught, chatter turned into tickets: each one matters


@pytest.mark.parametrize("name", sorted(MEASURED))
def test_scored_sets_do_not_regress(name: str) -> None:
    """Sets already scored: at most a message or two worse than their measured counts."""
    got = score(shared_nlp(), UNTOUCHED / name)
    want = MEASURED[name]
    figures = got.figures()
    assert got.class_right >= want.class_right - SLACK_WIDE, figures
    assert got.urgent_caught >= want.urgent_caught - SLACK_NARROW, figures
    assert got.nonreport_tickets <= want.nonreport_tickets + SLACK_NARROW, figures
    assert got.category_right >= want.category_right - SLACK_WIDE, figures


def test_untouched_set_is_not_in_the_training_data() -> None:
    """No line of the untouched sets appears among the training lines (scored on, not trained).

    Acknowledgements and laughter of a few characters (收到, 👍👍👍, 哈哈哈笑死我了) are in every
    chat and every set; they are not leakage.
    """
    held = {
        row.text
        for p in UNTOUCHED.glob("untouched-*.jsonl")
        for row in read_labelled(p)
        if len(row.text) > 8
    }
    trained = {row.text for p in TRAIN_DIR.glob("*.jsonl") for row in read_labelled(p)}
    assert len(held) >= 450 and not held & trained


def test_the_rules_alone_still_work_without_a_model() -> None:
    """With no model file the lexicon and frames decide, and still catch the obvious."""
    rules = Understanding.load(model_file=None)
    assert rules.classify("3栋电梯困人了").klass == "urgent"
    assert rules.classify("谢谢大家").klass == "none"
