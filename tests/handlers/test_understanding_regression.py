"""Understanding regression: labelled sets it was tuned on, held close to their figures.

None of these figures is a generalisation figure. The shared dev sample is in the training
data. ``data/untouched-1.jsonl`` and ``data/untouched-2.jsonl`` were written by separate
authors and are not trained on, but they are not held out either: they were scored again and
again while the lexicon, the frames and the training lines were changed, and the figures moved
with that work (untouched-1 on first contact, docs/eval/untouched-1-first-contact.txt: class
0.925, urgent recall 0.965, chatter→ticket 0.071, category 0.863; now, docs/eval/final.txt:
0.947 / 0.976 / 0.014 / 0.887). So each test pins what is known to work: a bar is the measured
count less a message or two, and a change that loses more fails here. ``untouched-3.jsonl``
(190 lines, written by the lead of session 6 and kept from the helpers who wrote rounds 3 and
4) was first scored with the model before those rounds (docs/eval/untouched-3-first-contact.txt:
0.947 / 0.983 / 0.107 / 0.826); the kinds of its misses (questions about services, people
saying a matter is settled) were then named in round 4's brief, so it too is a guard now.
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
# moves them on purpose, saying so in the commit. Round 6 moved category on -1 and -3 on purpose:
# the house convention is now animal attacks safety (those sets' authors wrote other) and
# renovation debris construction (untouched-1 wrote sanitation).
MEASURED = {
    "untouched-1.jsonl": Measured(
        class_right=303, urgent_caught=83, nonreport_tickets=1, category_right=284
    ),
    "untouched-2.jsonl": Measured(
        class_right=285, urgent_caught=80, nonreport_tickets=2, category_right=268
    ),
    "untouched-3.jsonl": Measured(
        class_right=185, urgent_caught=59, nonreport_tickets=2, category_right=162
    ),
}
# A regression is more than this many messages worse than measured.
SLACK_WIDE = 2  # class and category: hundreds of messages, a borderline one may flip
SLACK_NARROW = 1  # urgent caught, chatter turned into tickets: each one matters


@pytest.mark.parametrize("name", sorted(MEASURED))
def test_tuned_on_sets_do_not_regress(name: str) -> None:
    """Sets scored while tuning: at most a message or two worse than their measured counts."""
    got = score(shared_nlp(), UNTOUCHED / name)
    want = MEASURED[name]
    figures = got.figures()
    assert got.class_right >= want.class_right - SLACK_WIDE, figures
    assert got.urgent_caught >= want.urgent_caught - SLACK_NARROW, figures
    assert got.nonreport_tickets <= want.nonreport_tickets + SLACK_NARROW, figures
    assert got.category_right >= want.category_right - SLACK_WIDE, figures


def test_untouched_set_is_not_in_the_training_data() -> None:
    """No line of the untouched sets appears among the training lines (scored on, not trained).

    Acknowledgements of a few characters (收到, 👍👍👍) are in every chat and every set; they
    are not leakage.
    """
    held = {
        row.text
        for p in UNTOUCHED.glob("untouched-*.jsonl")
        for row in read_labelled(p)
        if len(row.text) > 4
    }
    trained = {row.text for p in TRAIN_DIR.glob("*.jsonl") for row in read_labelled(p)}
    assert len(held) >= 550 and not held & trained


def test_the_rules_alone_still_work_without_a_model() -> None:
    """With no model file the lexicon and frames decide, and still catch the obvious."""
    rules = Understanding.load(model_file=None)
    assert rules.classify("3栋电梯困人了").klass == "urgent"
    assert rules.classify("谢谢大家").klass == "none"
