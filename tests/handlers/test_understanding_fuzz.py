"""Any text gets a defined answer: fuzzing understanding and the labelled-file reader."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.understanding.evaluation import CLASSES, Labelled, parse_labelled
from handlers.vocabulary import CATEGORIES
from tests.support.harness import shared_nlp

# Chat-like text: CJK, digits, punctuation, emoji, WeChat codes, control and odd code points.
_ALPHABET = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF),
    st.sampled_from(list("栋单元楼电梯困煤气味着火倒叫不应急T12#，。！？!?[]捂脸 \n\t")),
    st.characters(blacklist_categories=("Cs",)),
)
_TEXT = st.text(_ALPHABET, max_size=300)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT)
def test_classify_never_raises_and_answers_in_the_vocabulary(text: str) -> None:
    """Class, category and route are always from the vocabulary, and consistent."""
    nlp = shared_nlp()
    got = nlp.classify(text)
    assert got.klass in CLASSES and got.category in CATEGORIES
    assert (got.klass == "none") == (got.category == "none") == (got.route is None)
    assert not (got.maybe_urgent and got.klass in ("urgent", "none"))
    nlp.emergency(text)  # never raises either


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_a_labelled_line_is_read_or_explained(line: str) -> None:
    """Any line of a labelled file is either a Labelled row or a sentence saying what is wrong."""
    got = parse_labelled(line, "f.jsonl:1")
    assert isinstance(got, Labelled) or (isinstance(got, str) and got.startswith("f.jsonl:1"))
