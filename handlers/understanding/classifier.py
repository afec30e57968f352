"""Decide what a chat message is: report or not, class, category, route, place, who and why."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from pathlib import Path

from handlers.understanding.decision import combine
from handlers.understanding.frames import Emergency, FrameHit, Frames
from handlers.understanding.lexicon import Lexicon
from handlers.understanding.location import (
    DEFAULT_PLACES,
    NOWHERE,
    LocationExtractor,
    location_bonus,
)
from handlers.understanding.matcher import Hit, Matcher
from handlers.understanding.model import (
    DEFAULT_SETTINGS,
    SHIPPED_MODEL,
    Features,
    LinearModel,
    Opinion,
    features,
)
from handlers.understanding.segmenter import Segmenter, shared_segmenter, understood_text
from handlers.understanding.textindex import aho_corasick, merge_phrases, scan
from handlers.understanding.types import Classification, Location, new_classification
from handlers.vocabulary import CLASS_LABELS, ROUTE_BY_CLASS

_DEFAULT_THRESHOLDS = {
    "report": 2.0,
    "urgent": 2.5,
    "urgent_cue": 2.0,
    "difficult": 2.5,
    "category_share": 0.5,
    "category_cap": 4.0,
    "location": 1.0,
}
_CLASS_MARK = {"urgent": "急", "difficult": "难", "small": "小"}
_MAX_CUE_CHARS = 12  # a pattern can match a long stretch; the reason shown stays short
_CONTENT = re.compile(r"[^\W_]")  # a letter, digit or CJK character
_NONE = Classification(klass="none", category="none", route=None)


class Understanding:
    """Message understanding: lexicon rules, hazard frames and a learned model vote."""

    def __init__(
        self,
        lexicon: Lexicon,
        segmenter: Segmenter,
        frames: Frames | None = None,
        model: LinearModel | None = None,
    ) -> None:
        """Use ``load`` unless a test needs to inject its own parts."""
        self.lexicon = lexicon
        self._segmenter = segmenter
        self.frames = frames or Frames.load()
        self.model = model
        self._settings = model.settings if model else dict(DEFAULT_SETTINGS)
        self._matcher = Matcher(lexicon)
        # One automaton for the lexicon's phrases and the frames' words: one pass per message.
        self._phrases = aho_corasick(merge_phrases(self._matcher.phrases, self.frames.phrases))
        self._locations = LocationExtractor((*DEFAULT_PLACES, *lexicon.places))
        self._thresholds = {**_DEFAULT_THRESHOLDS, **lexicon.thresholds}
        # One alternation per category (longest cue first) finds the leftmost role cue at once.
        self._by_cue = {
            category: (
                re.compile("|".join(map(re.escape, sorted(cues, key=len, reverse=True)))),
                cues,
            )
            for category, cues in lexicon.responsible_by_cue.items()
            if cues
        }

    @classmethod
    def load(
        cls,
        lexicon_files: Sequence[Path] = (),
        user_words: Sequence[str] = (),
        frame_files: Sequence[Path] = (),
        model_file: Path | None = SHIPPED_MODEL,
    ) -> Understanding:
        """Shipped lexicon and frames plus extension files; ``model_file`` None: rules only.

        ``user_words`` teach jieba local names.
        """
        lexicon = Lexicon.load(lexicon_files)
        segmenter = shared_segmenter()
        segmenter.add_words(user_words)
        model = LinearModel.load(model_file) if model_file is not None else None
        return cls(lexicon, segmenter, Frames.load(frame_files), model)

    def with_model(self, model: LinearModel | None) -> Understanding:
        """The same lexicon, frames and segmenter deciding with another model (or none)."""
        other = copy.copy(self)  # the compiled matcher and frames are shared, not rebuilt
        other.model = model
        other._settings = model.settings if model else dict(DEFAULT_SETTINGS)
        return other

    def tokenize(self, text: str) -> list[str]:
        """Search tokens of a message: jieba tokens of the normalised text, minus stop words."""
        return self._segmenter.search_tokens(self._segmenter.cut(understood_text(text)))

    def locate(self, text: str) -> Location:
        """Only the location of a message (for commands that name a place)."""
        return self._locations.extract(understood_text(text))

    def emergency(self, text: str) -> Emergency | None:
        """The emergency number and safety line for a report, from its hazard frames."""
        return self.frames.emergency(understood_text(text))

    def classify(self, text: str) -> Classification:
        """Understand one chat message; never raises on odd text."""
        norm = understood_text(text)
        if not _CONTENT.search(norm):  # emoji, punctuation or nothing at all
            return _NONE
        rule, found, feats = self.analyse(norm)
        opinion = self.model.opinion(feats) if self.model is not None else None
        decisive = bool(found) and found[0].decisive  # decisive frames are sorted first
        klass, category, maybe = combine(
            rule.klass, rule.category, opinion, decisive, bool(found), self._settings, feats.signs
        )
        if klass == rule.klass and category == rule.category and not maybe and not decisive:
            return rule
        return self._final(norm, rule, found, klass, category, maybe, opinion)

    def analyse(self, norm: str) -> tuple[Classification, list[FrameHit], Features]:
        """The rules' verdict, the hazard frames and the model's features of a normalised text."""
        tokens = self._segmenter.cut(norm)
        words = scan(self._phrases, norm)  # the frames read theirs; the matcher adds its cues
        found, signs = self.frames.scan(norm, words)
        hits = self._matcher.match(norm, tokens, words)
        rule = self._decide(norm, hits, tuple(self._segmenter.search_tokens(tokens)))
        return rule, found, features(norm, tokens, found, signs)

    def _final(
        self,
        text: str,
        rule: Classification,
        found: list[FrameHit],
        klass: str,
        category: str,
        maybe: bool,
        opinion: Opinion | None,
    ) -> Classification:
        """The combined decision, with reasons people can read (急:老人+叫不应, 模型:急事83%)."""
        if klass == "none":
            # The rule's place, party, cues and tokens stay (built directly: replace() is slow).
            return new_classification(
                "none", "none", None, rule.location, rule.responsible, rule.cues, rule.tokens
            )
        cues: list[str] = []
        if klass == "urgent":
            cues += [f"急:{h.cue()}"[: _MAX_CUE_CHARS + 2] for h in found if h.decisive][:2]
        if klass != rule.klass and opinion is not None:
            cues.append(f"模型:{CLASS_LABELS[klass]}{opinion.classes[klass]:.0%}")
        if maybe:
            seen = found[0].cue() if found else f"模型{opinion.urgent:.0%}" if opinion else ""
            cues.append(f"可能急:{seen}"[: _MAX_CUE_CHARS + 4])
        cues += [c for c in rule.cues if not c.startswith(("急:", "降:")) or klass == "urgent"]
        location = rule.location if rule.is_report else self._locations.extract(text)
        cues = list(dict.fromkeys(cues))[:6]
        return self._report(text, klass, category, location, tuple(cues), rule.tokens, maybe)

    def _report(
        self,
        text: str,
        klass: str,
        category: str,
        location: Location,
        cues: tuple[str, ...],
        tokens: tuple[str, ...],
        maybe: bool = False,
    ) -> Classification:
        """A report's classification: its route and responsible party follow class and category."""
        route, responsible = ROUTE_BY_CLASS[klass], self._responsible(category, text)
        return new_classification(
            klass, category, route, location, responsible, cues, tokens, maybe
        )

    def _decide(self, text: str, hits: list[Hit], tokens: tuple[str, ...]) -> Classification:
        th = self._thresholds
        # Plain dicts and explicit loops: this runs for every message, and the sums are added
        # in hit order exactly as before (the same floats).
        score: dict[str, float] = {}
        shown: dict[str, list[Hit]] = {}  # positive cues per section, for reasons
        first: dict[str, int] = {}  # where each category is first mentioned, for ties
        danger = 0.0  # the strongest single danger cue: stacked hints (紧急, !!!) are not danger
        denied = False
        for hit in hits:
            section, _, weight, start, _, negator = hit
            if negator is None:
                score[section] = score.get(section, 0.0) + weight
                if weight > 0:
                    if section in shown:
                        shown[section].append(hit)
                    else:
                        shown[section] = [hit]
                if section == "urgent" and weight > danger:
                    danger = weight
                elif section.startswith("cat:") and start < first.get(section, len(text)):
                    first[section] = start
            else:
                # A denied danger ("不是煤气味") or denied fault ("没坏") argues against a report.
                denied = True
                against = weight if section == "urgent" else weight / 2
                score["nonreport"] = score.get("nonreport", 0.0) + against
        category, category_score = "other", 0.0
        if first:
            best = _first_strongest(first, score)
            # Conditionals with max()'s and min()'s exact results (the first of equals), without
            # their argument parsing on every message.
            category_score = score[best]
            category, category_score = best[4:], 0.0 if category_score < 0.0 else category_score
        urgent, difficult = score.get("urgent", 0.0), score.get("difficult", 0.0)
        report = score.get("small", 0.0) + (0 if urgent < 0 else urgent)
        report += 0 if difficult < 0 else difficult
        cap = th["category_cap"]
        report += th["category_share"] * (cap if cap < category_score else category_score)
        least, against, bonus = th["report"], score.get("nonreport", 0.0), th["location"]
        # A place adds 0, half or all of a non-negative bonus, and rounding keeps the order of
        # sums: when even the whole bonus falls short, the message is no report whatever its
        # place, and the place is not looked for (a quarter of messages).
        if bonus >= 0 and (report + bonus < least or report + bonus <= against):
            location = NOWHERE
            report += bonus  # below the bar all the same
        else:
            location = self._locations.extract(text)
            report += location_bonus(location, bonus)
        negated = _negated(hits) if denied else ()
        if report < least or report <= against:
            cues = _reasons(shown.get("nonreport"), "否", 3) + negated
            return new_classification("none", "none", None, NOWHERE, None, cues, tokens)
        if urgent >= th["urgent"] and danger >= th["urgent_cue"] and urgent >= difficult:
            klass = "urgent"
        elif difficult >= th["difficult"]:
            klass = "difficult"
        else:
            klass = "small"
        cues = _reasons(shown.get(klass), _CLASS_MARK[klass], 3)
        if category != "other":
            cues += _reasons(shown.get("cat:" + category), "类", 1)
        if klass != "urgent" and urgent >= th["urgent"] / 2:
            # Notable urgency words (紧急, !!!) that the content did not bear out.
            cues += _reasons(shown.get("urgent"), "降", 1)
        return self._report(text, klass, category, location, cues + negated, tokens)

    def _responsible(self, category: str, text: str) -> str | None:
        """Default role of the category unless a cue names a more specific party."""
        by_cue = self._by_cue.get(category)
        if by_cue is not None:
            m = by_cue[0].search(text)  # leftmost cue wins
            if m:
                return by_cue[1][m[0]]
        return self.lexicon.responsible.get(category)


def _first_strongest(first: dict[str, int], score: dict[str, float]) -> str:
    """The category with the highest score; a tie goes to the first mentioned (as ``max``)."""
    best, top = "", None
    for section, start in first.items():
        key = (score[section], -start)
        if top is None or key > top:
            best, top = section, key
    return best


def _reasons(hits: list[Hit] | None, mark: str, limit: int) -> tuple[str, ...]:
    """The strongest of ``hits`` (positive cues of one section) as ``"急:煤气味"`` strings."""
    if not hits:
        return ()
    if len(hits) == 1:
        return (f"{mark}:{hits[0].text[:_MAX_CUE_CHARS]}",)
    # Strongest first, then leftmost: (-weight, start, position) tuples that plain sort() puts
    # in that order, the position keeping the stable order of equals (no key function: a
    # Python call per hit, made from C).
    order = []
    for i, hit in enumerate(hits):
        order.append((-hit.weight, hit.start, i))
    if limit == 1:  # the first of the sorted hits, without sorting
        first = hits[min(order)[2]]
        return (f"{mark}:{first.text[:_MAX_CUE_CHARS]}",)
    order.sort()
    shown: list[Hit] = []
    out: list[str] = []  # the reasons, made as the hits are taken (no comprehension frame)
    for _, _, i in order:
        hit = hits[i]
        # Overlapping cues ("电梯困" and "困人") say the same thing; show it once.
        start, end = hit.start, hit.end
        for h in shown:  # a plain loop: any() over a generator costs twice as much here
            if h.start < end and start < h.end:
                break
        else:
            shown.append(hit)
            out.append(f"{mark}:{hit.text[:_MAX_CUE_CHARS]}")
            if len(shown) == limit:
                break
    return tuple(out)


def _negated(hits: list[Hit]) -> tuple[str, ...]:
    """Cancelled danger cues, shown with their negator, e.g. ``"否:不是煤气味"``."""
    denied = [h for h in hits if h.negator is not None and h.section == "urgent"]
    denied.sort(key=lambda h: h.start)
    return tuple(f"否:{h.negator}{h.text[:_MAX_CUE_CHARS]}" for h in denied)
