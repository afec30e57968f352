"""The final decision: rules, hazard frames and the learned model vote on class and category."""

from __future__ import annotations

import math
from itertools import repeat
from operator import mul

from handlers.understanding.evaluation import CLASSES
from handlers.understanding.model import Opinion
from handlers.vocabulary import CATEGORIES

REPORT_CATEGORIES = tuple(c for c in CATEGORIES if c != "none")
# Not-a-report signs (frames.toml [notreport]) that argue strongly, and those that only hint.
STRONG_SIGNS = frozenset({"relayed", "resolved", "lostfound", "trade", "ticket", "denied"})
WEAK_SIGNS = frozenset({"asking", "advice", "notice"})
_CLASS_INDEX = {c: i for i, c in enumerate(CLASSES)}
_CATEGORY_INDEX = {c: i for i, c in enumerate(REPORT_CATEGORIES)}
_URGENT, _NONE = _CLASS_INDEX["urgent"], _CLASS_INDEX["none"]
# Below these a vote may be subnormal, where rounding can merge close votes: full computation.
_SAFE_EXP, _SAFE_BETA = 1e-250, 1e-30


def decide_class(
    rule_class: str,
    opinion: Opinion,
    decisive_frame: bool,
    any_frame: bool,
    s: dict[str, float],
    signs: frozenset[str] = frozenset(),
) -> tuple[str, bool]:
    """The class and the 可能是急事 flag.

    The best of ``alpha`` × the model's probability + (1 − ``alpha``) × the rules' vote
    (``rule_class``), a decisive frame adding
    ``frame_boost`` to urgent and, without one, not-a-report signs (relayed news, resolved,
    lost-and-found …) adding ``strong_sign``/``weak_sign`` to none; with one, the same signs
    add ``framed_strong_sign``/``framed_weak_sign`` instead. A model urgency of
    ``urgent_floor`` makes any message urgent unless a strong sign says it is not a report.
    A report that is not urgent
    is 可能是急事 when the model's urgency reaches ``maybe`` or a frame saw danger; a seeming
    non-report whose urgency reaches ``maybe_none`` is filed as one rather than dropped.
    """
    # A list in CLASSES order rather than a dict and a key function: this runs for every
    # message.  The sums are the same floats (x + 0.0 is x), and index(max) keeps max's tie
    # rule (the first class in CLASSES wins).
    alpha = s["alpha"]
    # map(mul) rather than a list comprehension: the same products (alpha * p), without the
    # comprehension's function object and frame on every message.
    votes = list(map(mul, repeat(alpha), map(opinion.classes.get, CLASSES, repeat(0.0))))
    if rule_class in _CLASS_INDEX:
        votes[_CLASS_INDEX[rule_class]] += 1 - alpha
    if decisive_frame:
        votes[_URGENT] += s["frame_boost"]
        if signs:
            # A frame read in a message that also says it is not a report (resolved, relayed,
            # advice …) is weighed against those signs, by their own CV-chosen settings.
            votes[_NONE] += s["framed_strong_sign"] * bool(signs & STRONG_SIGNS)
            votes[_NONE] += s["framed_weak_sign"] * bool(signs & WEAK_SIGNS)
    elif signs:
        votes[_NONE] += s["strong_sign"] * bool(signs & STRONG_SIGNS)
        votes[_NONE] += s["weak_sign"] * bool(signs & WEAK_SIGNS)
    klass = CLASSES[votes.index(max(votes))]
    if klass != "urgent" and opinion.urgent >= s["urgent_floor"] and not signs & STRONG_SIGNS:
        # The model fears danger enough on its own: on new voices it is often the only one of
        # the three that does, and a missed emergency costs more than a false alarm.
        return "urgent", False
    if klass == "none":
        # Filed all the same when the model fears danger, unless something says it is not one.
        if opinion.urgent >= s["maybe_none"] and not signs & STRONG_SIGNS:
            return "small", True
        return "none", False
    return klass, klass != "urgent" and (opinion.urgent >= s["maybe"] or any_frame)


def decide_category(rule_category: str, opinion: Opinion, s: dict[str, float]) -> str:
    """A report's category: ``category_alpha`` × the model's + the rest × the lexicon's."""
    beta = s["category_alpha"]
    parts = opinion.category_parts()
    if parts is not None and parts[0] == REPORT_CATEGORIES and beta >= _SAFE_BETA:
        best = _best_category(rule_category, beta, parts[1], parts[2])
        if best is not None:
            return best
    votes = list(
        map(mul, repeat(beta), map(opinion.categories.get, REPORT_CATEGORIES, repeat(0.0)))
    )
    if rule_category in _CATEGORY_INDEX:
        votes[_CATEGORY_INDEX[rule_category]] += 1 - beta
    return REPORT_CATEGORIES[votes.index(max(votes))]  # a tie: the first category, as max()


def combine(
    rule_class: str,
    rule_category: str,
    opinion: Opinion | None,
    decisive_frame: bool,
    any_frame: bool,
    s: dict[str, float],
    signs: frozenset[str] = frozenset(),
) -> tuple[str, str, bool]:
    """Class, category and the 可能是急事 flag from the rules' verdict, frames and the model."""
    if opinion is None:  # no model: the rules, with decisive frames making reports urgent
        klass = "urgent" if decisive_frame and rule_class != "none" else rule_class
        maybe = any_frame and klass not in ("urgent", "none")
        return klass, rule_category if klass != "none" else "none", maybe
    klass, maybe = decide_class(rule_class, opinion, decisive_frame, any_frame, s, signs)
    if klass == "none":
        return klass, "none", maybe
    return klass, decide_category(rule_category, opinion, s), maybe


def _best_category(rule: str, beta: float, exps: list[float], total: float) -> str | None:
    """``decide_category``'s answer, computing the votes of the close contenders only.

    A vote beta × exp / total (+ 1 − beta for the rule's category) grows with exp, and a
    correctly rounded division and product never reverse an order: a category whose exp is a
    billionth below the best other one's can neither win nor tie, so only the rule's category
    and the others within that margin get the exact vote of the full computation (the same
    floats, compared in the same order, the first of equals winning as with ``max``).  None
    (use the full computation) when the votes are so small that rounding loses that margin.
    """
    index = _CATEGORY_INDEX.get(rule, -1)
    rest = exps.copy()  # the other categories' exps (the rule's counts as 0)
    if index >= 0:
        rest[index] = 0.0
    top = max(rest)
    if not (top >= _SAFE_EXP and total < math.inf):  # also no NaN
        return None
    floor = top * (1 - 1e-9)
    if sum(map(floor.__le__, rest)) == 1:  # one contender besides the rule's (counted in C)
        other = rest.index(top)
        if index < 0:
            return REPORT_CATEGORIES[other]
        vote = beta * (exps[index] / total) + (1 - beta)
        against = beta * (top / total)
        wins = vote > against or (vote == against and index < other)
        return rule if wins else REPORT_CATEGORIES[other]
    best, most = "", -1.0
    for i, e in enumerate(exps):
        if e >= floor or i == index:
            vote = beta * (e / total)
            if i == index:
                vote += 1 - beta
            if vote > most:
                best, most = REPORT_CATEGORIES[i], vote
    return best
