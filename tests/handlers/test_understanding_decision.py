"""The category vote's fast path decides exactly as the full soft-max and vote do."""

from __future__ import annotations

import random
from itertools import repeat
from operator import mul

import pytest

from handlers.understanding.decision import REPORT_CATEGORIES, _best_category, decide_category
from handlers.understanding.model import Opinion, _exponentials, _softmax

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
