"""The learned second opinion: a linear model over characters, pairs, tokens and frames.

Training (``handlers.understanding.training``) uses scikit-learn; using the model needs only
numpy: the weights of the features present in a message are summed and soft-maxed.  The file
is a compressed ``.npz`` holding the feature vocabulary, one weight matrix for class and
category, and the decision settings chosen by cross-validation.
"""

from __future__ import annotations

import json
import math
import operator
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

import ahocorasick
import numpy as np

from handlers.understanding.evaluation import CLASSES
from handlers.understanding.frames import FrameHit
from handlers.vocabulary import CATEGORIES

SHIPPED_MODEL = Path(__file__).resolve().parent / "data" / "model.npz"
FORMAT = 1
_second = operator.itemgetter(1)
_TICKET_REF = re.compile(r"(?<![A-Za-z])[Tt#]\s*\d{1,7}(?!\d)")
# A one-class search spares most messages the regex (faster than a set test: no string object
# per character).
_TICKET_CHARS = re.compile("[Tt#]")
# The decision settings, and their values when no model file says otherwise.
DEFAULT_SETTINGS: dict[str, float] = {
    "alpha": 0.6,  # weight of the model against the rules in the class vote
    "frame_boost": 0.5,  # what a decisive hazard frame adds to urgent
    "maybe": 0.25,  # model urgency that makes a non-urgent report 「可能是急事」
    "maybe_none": 0.5,  # model urgency that files even a seeming non-report as 可能是急事
    "category_alpha": 0.6,  # weight of the model against the lexicon for the category
    "strong_sign": 0.0,  # what relayed news, resolved, lost-and-found … add to none
    "weak_sign": 0.0,  # what asking, advice, a notice add to none
    "framed_strong_sign": 0.0,  # what strong signs add to none despite a decisive frame
    "framed_weak_sign": 0.0,  # what weak signs add to none despite a decisive frame
    # Model urgency at which any message is urgent, whatever the vote (unless a strong
    # not-report sign says otherwise); above 1 it never acts, as in models made before it.
    "urgent_floor": 1.01,
}


class ModelError(ValueError):
    """A model file that cannot be used, with what to do about it."""


@dataclass(frozen=True, slots=True)
class Features:
    """A message's features: the n-grams of ``text`` and the words of ``tokens`` (implied),
    and the ``extra`` ones (frames, not-a-report signs, question and length marks).

    The implied ones are listed only when asked for (``strings()``), by one function for
    training and for the bot alike; the bot looks them up without building their strings.
    """

    text: str
    tokens: tuple[str, ...]  # each token of two or more characters is the feature "w:" + token
    extra: tuple[str, ...]
    signs: frozenset[str] = frozenset()  # the not-a-report signs (relayed, asking, ticket …)

    def strings(self) -> list[str]:
        """Every feature as a string (for training): characters, pairs, words, the rest."""
        words = ["w:" + t for t in self.tokens if len(t) > 1]
        return char_grams(self.text) + words + list(self.extra)


# Every digit is read as 0 in the character n-grams: 901室 and 1103室 are the same kind of
# address, and a model that learns which room numbers came with emergencies in its training
# lines makes a flat's number a reason for alarm.  (Numbers stay themselves in the words.)
_ALL_DIGITS = "0123456789"  # what a 0 of a gram stands for in a message
_DIGITS = str.maketrans(_ALL_DIGITS, "0" * len(_ALL_DIGITS))


def char_grams(text: str) -> list[str]:
    """The characters of ``text`` (spaces left out, digits as 0) and its character pairs,
    ^ and $ padded."""
    text = text.translate(_DIGITS)
    padded = f"^{text}$"
    return [c for c in text if not c.isspace()] + [
        padded[i : i + 2] for i in range(len(padded) - 1)
    ]


def features(
    text: str, tokens: Sequence[str], frames: Sequence[FrameHit], signs: Iterable[str] = ()
) -> Features:
    """The model's features: characters, pairs, tokens, frames, not-a-report signs.

    Character triples were tried: 5-fold figures were the same, the lookups a third dearer.
    """
    out = []
    for hit in frames:
        out.append("f:" + hit.frame)
        out.append("f:decisive" if hit.decisive else "f:later")
    signs = set(signs)
    if _TICKET_CHARS.search(text) and _TICKET_REF.search(text):
        signs.add("ticket")  # talk about an existing ticket (T12怎么样了)
    if signs:  # most messages have none: no comprehension for them
        out += ["n:" + sign for sign in signs]
    if text.rstrip().endswith(("?", "？", "吗", "呢", "没")):
        out.append("q:end")
    if len(text) <= 4:
        out.append("len:short")
    # Built with the slots' setters, not the frozen dataclass's __init__ (see types.py).
    feats = _new(Features)
    set_text, set_tokens, set_extra, set_signs = _FEATURES_SET
    set_text(feats, text)
    set_tokens(feats, tuple(tokens))
    set_extra(feats, tuple(out))
    set_signs(feats, frozenset(signs))
    return feats


_new = object.__new__
_FEATURES_SET = tuple(
    Features.__dict__[name].__set__ for name in ("text", "tokens", "extra", "signs")
)


def _digit_variants(gram: str) -> list[str]:
    """Every string whose digits read as ``gram``'s 0s (``char_grams`` reads all digits so)."""
    out = [""]
    for c in gram:
        out = [head + d for head in out for d in (_ALL_DIGITS if c == "0" else c)]
    return out


class Opinion:
    """What the model thinks of one message: class and category probabilities."""

    __slots__ = ("_categories", "_logits", "_names", "classes")

    def __init__(
        self,
        classes: dict[str, float],
        categories: dict[str, float] | None = None,
        names: Sequence[str] = (),
        logits: Sequence[float] = (),
    ) -> None:
        """Given ``categories``, or their ``names`` and ``logits`` to soft-max when first read."""
        self.classes = classes
        self._categories = categories
        self._names, self._logits = names, logits

    @property
    def categories(self) -> dict[str, float]:
        """Category probabilities; worked out on first use (a non-report never asks)."""
        if self._categories is None:
            self._categories = _softmax(self._names, self._logits)
        return self._categories

    def category_parts(self) -> tuple[Sequence[str], list[float], float] | None:
        """Category names, their soft-max numerators and denominator (the probabilities are
        numerator / denominator, the very floats of ``categories``); None when the categories
        were given as probabilities."""
        if self._categories is not None or not self._logits:
            return None
        return (self._names, *_exponentials(self._logits))

    @property
    def urgent(self) -> float:
        """Probability that the message is urgent."""
        return self.classes.get("urgent", 0.0)


@dataclass
class LinearModel:
    """Multinomial logistic regressions for class and category, sharing one vocabulary."""

    vocabulary: dict[str, int]
    weights: np.ndarray  # (features, classes + categories), float32
    bias: np.ndarray  # (classes + categories,)
    classes: tuple[str, ...] = CLASSES
    categories: tuple[str, ...] = tuple(CATEGORIES)
    settings: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SETTINGS))
    info: dict[str, object] = field(default_factory=dict)  # how it was trained, CV figures

    def __post_init__(self) -> None:
        # One zero row after the weights: an unknown feature looks up to it instead of being
        # filtered out in Python, and adding zeros leaves every sum exactly as it was.
        self._table = np.vstack([self.weights, np.zeros((1, self.weights.shape[1]), np.float32)])
        self._unknown = len(self.weights)
        # The characters and pairs of the vocabulary in one automaton (their strings are one or
        # two long; every other feature is longer): a message's n-gram rows come out of one C
        # pass instead of building, hashing and looking up every pair string.
        self._grams = ahocorasick.Automaton(ahocorasick.STORE_ANY, ahocorasick.KEY_STRING)
        for gram, row in self.vocabulary.items():
            if len(gram) <= 2:
                for variant in _digit_variants(gram):  # the text is searched as it is
                    self._grams.add_word(variant, row)
        if len(self._grams):
            self._grams.make_automaton()
        # Word features by their token, so a message's tokens are looked up as they are (only
        # tokens of two or more characters are features; shorter ones find nothing here).
        self._words = {
            f[2:]: row for f, row in self.vocabulary.items() if f[:2] == "w:" and len(f) > 3
        }
        # The pairs with the ^ and $ padding by their character: no pair string per message.
        self._first = {
            c: row
            for f, row in self.vocabulary.items()
            if len(f) == 2 and f[0] == "^"
            for c in _digit_variants(f[1])
        }
        self._last = {
            c: row
            for f, row in self.vocabulary.items()
            if len(f) == 2 and f[1] == "$"
            for c in _digit_variants(f[0])
        }
        # np.add.reduce itself: ndarray.sum goes through a Python-level wrapper on every call.
        self._reduce = np.add.reduce

    def opinion(self, feats: Features | Sequence[str]) -> Opinion:
        """Class and category probabilities for a message's features."""
        # Presence, not counts, as in training: a feature repeated 2,000 times counts once, so
        # the row numbers go into a set (ints hash for free; the strings are looked up once).
        get, unknown = self.vocabulary.get, repeat(self._unknown)
        if not isinstance(feats, Features):
            present = set(map(get, feats, unknown))
        elif feats.text and self._grams.kind == ahocorasick.AHOCORASICK:
            # char_grams' rows: the characters and inner pairs found in the text, then the two
            # pairs with the ^ and $ padding.  (Spaces are never in the vocabulary, so they
            # need not be left out here.)
            text = feats.text
            present = set(map(_second, self._grams.iter(text)))  # (end, row) pairs
            present.add(self._first.get(text[0], self._unknown))
            present.add(self._last.get(text[-1], self._unknown))
            present.update(map(self._words.get, feats.tokens, unknown))  # 1 character: unknown
            present.update(map(get, feats.extra, unknown))
        else:
            present = set(map(get, feats.strings(), unknown))
        # Sorted: a set's order changes between processes; float sums must not.  Unknown
        # features share the one zero row, last in this order, and adding zeros changes nothing.
        # (fromiter and an in-place sort: the same order as sorted(), without numpy converting
        # a list of Python ints.)
        rows = np.fromiter(present, np.intp, len(present))
        rows.sort()
        logits = (self._reduce(self._table.take(rows, 0), 0) + self.bias).tolist()
        k = len(self.classes)
        return Opinion(_softmax(self.classes, logits[:k]), None, self.categories, logits[k:])

    def save(self, path: Path) -> None:
        """Write the model as a compressed ``.npz`` (vocabulary, weights, settings, info)."""
        vocab = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        meta = {
            "format": FORMAT,
            "classes": list(self.classes),
            "categories": list(self.categories),
            "settings": self.settings,
            "info": self.info,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez_compressed(
            tmp,
            vocabulary=np.array("\n".join(vocab)),
            weights=self.weights.astype(np.float16),
            bias=self.bias.astype(np.float32),
            meta=np.array(json.dumps(meta, ensure_ascii=False)),
        )
        tmp.replace(path)  # a crash mid-write never leaves a broken model behind

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        """Read a model written by ``save``; a ``ModelError`` says what is wrong."""
        try:
            with np.load(path, allow_pickle=False) as data:
                vocab = str(data["vocabulary"]).split("\n")
                weights = data["weights"].astype(np.float32)
                bias = data["bias"].astype(np.float64)
                meta = json.loads(str(data["meta"]))
        except FileNotFoundError as exc:
            raise ModelError(f"{path}: model file not found — run `liufang learn`") from exc
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise ModelError(f"{path}: not a liufang model ({exc}) — run `liufang learn`") from exc
        if meta.get("format") != FORMAT or weights.shape != (len(vocab), len(bias)):
            raise ModelError(f"{path}: model of another version — run `liufang learn` again")
        return cls(
            vocabulary={w: i for i, w in enumerate(vocab)},
            weights=weights,
            bias=bias,
            classes=tuple(meta["classes"]),
            categories=tuple(meta["categories"]),
            settings={**DEFAULT_SETTINGS, **meta.get("settings", {})},
            info=meta.get("info", {}),
        )


def _softmax(names: Sequence[str], logits: Sequence[float]) -> dict[str, float]:
    exp, total = _exponentials(logits)
    return dict(zip(names, map(operator.truediv, exp, repeat(total)), strict=True))


def _exponentials(logits: Sequence[float]) -> tuple[list[float], float]:
    """exp(logit - max) of each logit and their sum: a soft-max before its division."""
    # map() over C functions rather than list comprehensions: the same floats, less time.
    top = max(logits)
    exp = list(map(math.exp, map(operator.sub, logits, repeat(top))))
    return exp, sum(exp)
