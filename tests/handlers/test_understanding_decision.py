"""The class vote's signs against a decisive frame, and the category vote's fast path
(it decides exactly as the full soft-max and vote do)."""

from __future__ import annotations

import random
from itertools import repeat
from operator import mul

import pytest

from handlers.understanding.decision import (
    REPORT_CATEGORIES,
    _best_category,
    decide_category,
    decide_class,
)
from handlers.understanding.model import DEFAULT_SETTINGS, Opinion, _exponentials, _softmax

_RULES = (*REPORT_CATEGORIES, "none", "unknown")


def _full(rule: str, logits: list[float], beta: float) -> str:
    """The vote as it was written before the fast path: every probability, every vote."""
    probabilities = _softmax(REPORT_CATEGORIES, logits)
    votes = list(map(mul, repeat(beta), map(probabilities.get, REPORT_CATEGORIES)))
    if rule in REPORT_CATEGORIES:
        votes[REPORT_CATEGORIES.index(rule)] += 1 - beta
    return REPORT_CATEGORIES[votes.index(max(votes))]


def _lazy(logits: list[float]) -> Opinion:
    return Opinion({"urgent": 0.1, "none": 0.9}, None, REPORT_CATEGORIES, logits)


def _cases() -> list[tuple[str, list[float], float]]:
    rng = random.Random(7)
    size = len(REPORT_CATEGORIES)
    cases = []
    for _ in range(4000):
        kind = rng.random()
        if kind < 0.3:  # ties: a few distinct values repeated
            values = [rng.choice((0.0, 1.5, 1.5 + 1e-12, -3.0)) for _ in range(size)]
        elif kind < 0.5:  # one runaway logit: the others' exps underflow
            values = [rng.uniform(-5, 5) for _ in range(size)]
            values[rng.randrange(size)] = rng.choice((800.0, 1e4, -1e4))
        else:
            values = [rng.gauss(0, rng.choice((0.01, 1.0, 10.0))) for _ in range(size)]
        beta = rng.choice((0.6, 0.5, 1.0, 0.0, 1e-40, 0.999999, rng.random()))
        cases.append((rng.choice(_RULES), values, beta))
    return cases


@pytest.mark.parametrize("chunk", range(4))
def test_fast_category_vote_equals_the_full_vote(chunk: int) -> None:
    """Ties, near-ties, underflowing exps and odd weights: the same category every time."""
    fast = 0
    for rule, logits, beta in _cases()[chunk::4]:
        got = decide_category(rule, _lazy(logits), {"category_alpha": beta})
        assert got == _full(rule, logits, beta), (rule, logits, beta)
        exps, total = _exponentials(logits)
        fast += beta >= 1e-30 and _best_category(rule, beta, exps, total) is not None
    assert fast > 600  # most cases took the fast path


def test_given_probabilities_take_the_full_vote() -> None:
    """An opinion built from probabilities (no logits) still decides by them."""
    opinion = Opinion({"urgent": 0.1}, {"elevator": 0.7, "noise": 0.3})
    assert decide_category("noise", opinion, {"category_alpha": 0.9}) == "elevator"
    assert decide_category("noise", opinion, {"category_alpha": 0.2}) == "noise"


_FRAMED = {**DEFAULT_SETTINGS, "alpha": 0.6, "frame_boost": 0.5, "strong_sign": 0.6}
# The model and the rules lean to a report; a decisive frame alone makes it urgent.
_LEANING = Opinion({"urgent": 0.3, "difficult": 0.0, "small": 0.4, "none": 0.3})


def test_a_decisive_frame_outweighs_signs_by_default() -> None:
    """Without the framed settings (an older model file) signs are ignored beside a frame."""
    got = decide_class("small", _LEANING, True, True, _FRAMED, frozenset({"resolved"}))
    assert got == ("urgent", False)


def test_strong_signs_weigh_against_a_decisive_frame() -> None:
    """Resolved, relayed … beside a frame add ``framed_strong_sign`` to none (not strong_sign)."""
    s = {**_FRAMED, "framed_strong_sign": 1.0}
    assert decide_class("small", _LEANING, True, True, s, frozenset({"resolved"}))[0] == "none"
    assert decide_class("small", _LEANING, True, True, s, frozenset({"relayed"}))[0] == "none"
    # a weak sign is not a strong one, and no sign leaves the frame alone
    assert decide_class("small", _LEANING, True, True, s, frozenset({"advice"}))[0] == "urgent"
    assert decide_class("small", _LEANING, True, True, s)[0] == "urgent"
    # strong_sign itself only counts where no frame is decisive
    s = {**_FRAMED, "strong_sign": 5.0}
    assert decide_class("small", _LEANING, True, True, s, frozenset({"resolved"}))[0] == "urgent"


def test_weak_signs_weigh_against_a_decisive_frame() -> None:
    """Advice, notices, asking beside a frame add ``framed_weak_sign`` to none."""
    s = {**_FRAMED, "framed_weak_sign": 1.0}
    assert decide_class("small", _LEANING, True, True, s, frozenset({"advice"}))[0] == "none"
    assert decide_class("small", _LEANING, True, True, s, frozenset({"resolved"}))[0] == "urgent"


def test_a_confident_emergency_stays_urgent_despite_a_sign() -> None:
    """A small weight against the frame cannot overturn a model and rules sure of urgency."""
    sure = Opinion({"urgent": 0.9, "difficult": 0.0, "small": 0.05, "none": 0.05})
    s = {**_FRAMED, "framed_strong_sign": 0.4, "framed_weak_sign": 0.4}
    signs = frozenset({"resolved", "advice"})
    assert decide_class("urgent", sure, True, True, s, signs) == ("urgent", False)


def test_signs_against_a_frame_are_chosen_without_losing_an_emergency() -> None:
    """CV picks framed_* weights only where they keep every emergency the frames caught."""
    from handlers.understanding.evaluation import Labelled
    from handlers.understanding.training import Sample, choose_settings
    from handlers.understanding.types import Classification

    def sample(klass: str, signs: set[str], p_urgent: float) -> tuple[Sample, Opinion]:
        row = Labelled(text="x", klass=klass, category="safety" if klass != "none" else "none")
        rule = Classification(klass="small", category="safety", route=None, cues=())
        rest = (1 - p_urgent) / 2
        opinion = Opinion(
            {"urgent": p_urgent, "difficult": 0.0, "small": rest, "none": rest}, {"safety": 1.0}
        )
        return Sample(row, (), rule, True, True, frozenset(signs), True), opinion

    # Two emergencies that say 'resolved' in passing (the model unsure of one), two resolved
    # non-reports: any framed_strong_sign big enough to silence the chatter loses an emergency.
    pairs = [
        sample("urgent", {"resolved"}, 0.45),
        sample("urgent", {"resolved"}, 0.9),
        sample("none", {"resolved"}, 0.4),
        sample("none", {"resolved"}, 0.4),
    ]
    chosen = choose_settings([s for s, _ in pairs], [o for _, o in pairs])
    assert chosen["framed_strong_sign"] == 0.0
    # Without the unsure emergency the same chatter is silenced.
    pairs = pairs[1:]
    chosen = choose_settings([s for s, _ in pairs], [o for _, o in pairs])
    assert chosen["framed_strong_sign"] > 0.0


@pytest.mark.parametrize(
    ("text", "klass"),
    [
        ("电视上说南方又发大水了，好多人被困", "none"),
        ("抖音上看到一个小孩从窗户掉下去，太吓人了，家里有小孩的一定看好", "none"),
        ("3栋有个老人倒在楼道里叫不应，已经打了120了，快来人帮忙", "urgent"),
        ("电梯困人了，里面有个小孩在哭，已经打了96333还没来", "urgent"),
    ],
)
def test_the_shipped_model_weighs_signs_against_frames(text: str, klass: str) -> None:
    """Relayed news with a frame is chatter; an emergency whose 120 is called stays urgent."""
    from handlers.understanding.classifier import Understanding

    assert Understanding.load().classify(text).klass == klass


_FLOORED = {**DEFAULT_SETTINGS, "alpha": 0.6, "urgent_floor": 0.25}
# The vote says small (0.6 × 0.5 + 0.4 for the rules' small); the model's urgency is 0.3.
_WORRIED = Opinion({"urgent": 0.3, "difficult": 0.0, "small": 0.5, "none": 0.2})


def test_the_urgent_floor_makes_a_worried_model_decide() -> None:
    """Urgency at the floor makes any message urgent, a report or a seeming non-report."""
    assert decide_class("small", _WORRIED, False, False, _FLOORED) == ("urgent", False)
    assert decide_class("none", _WORRIED, False, False, _FLOORED) == ("urgent", False)


def test_the_urgent_floor_stops_at_strong_signs_and_below_itself() -> None:
    """Relayed news or a settled event keeps its vote; below the floor, or with no floor
    setting (an older model file), the vote decides and 可能是急事 stays the safety net."""
    relayed = decide_class("small", _WORRIED, False, False, _FLOORED, frozenset({"relayed"}))
    assert relayed[0] != "urgent"
    asking = decide_class("small", _WORRIED, False, False, _FLOORED, frozenset({"asking"}))
    assert asking[0] == "urgent"  # a weak sign does not stop it
    higher = {**_FLOORED, "urgent_floor": 0.31}
    assert decide_class("small", _WORRIED, False, False, higher) == ("small", True)
    assert DEFAULT_SETTINGS["urgent_floor"] > 1
    assert decide_class("small", _WORRIED, False, False, {**_FLOORED, "urgent_floor": 1.01})[
        0
    ] == ("small")
