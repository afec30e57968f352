"""The final decision: rules, hazard frames and the learned model vote on class and category."""

from __future__ import annotations

from handlers.understanding.evaluation import CLASSES
from handlers.understanding.model import Opinion
from handlers.vocabulary import CATEGORIES

REPORT_CATEGORIES = tuple(c for c in CATEGORIES if c != "none")
# Not-a-report signs (frames.toml [notreport]) that argue strongly, and those that only hint.
STRONG_SIGNS = frozenset({"relayed", "resolved", "lostfound", "trade", "ticket", "denied"})
WEAK_SIGNS = frozenset({"asking", "advice", "notice"})


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
    lost-and-found …) adding ``strong_sign``/``weak_sign`` to none. A report that is not urgent
    is 可能是急事 when the model's urgency reaches ``maybe`` or a frame saw danger; a seeming
    non-report whose urgency reaches ``maybe_none`` is filed as one rather than dropped.
    """
    alpha = s["alpha"]
    votes = {
        c: alpha * opinion.classes.get(c, 0.0) + (1 - alpha) * (c == rule_class) for c in CLASSES
    }
    if decisive_frame:
        votes["urgent"] += s["frame_boost"]
    elif signs:
        votes["none"] += s["strong_sign"] * bool(signs & STRONG_SIGNS)
        votes["none"] += s["weak_sign"] * bool(signs & WEAK_SIGNS)
    klass = max(CLASSES, key=votes.__getitem__)
    if klass == "none":
        # Filed all the same when the model fears danger, unless something says it is not one.
        if opinion.urgent >= s["maybe_none"] and not signs & STRONG_SIGNS:
            return "small", True
        return "none", False
    return klass, klass != "urgent" and (opinion.urgent >= s["maybe"] or any_frame)


def decide_category(rule_category: str, opinion: Opinion, s: dict[str, float]) -> str:
    """A report's category: ``category_alpha`` × the model's + the rest × the lexicon's."""
    beta = s["category_alpha"]
    return max(
        REPORT_CATEGORIES,
        key=lambda c: beta * opinion.categories.get(c, 0.0) + (1 - beta) * (c == rule_category),
    )


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
