"""The learned second opinion: loading, saving, training on a small file, combining."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from handlers.understanding import Understanding
from handlers.understanding.decision import combine
from handlers.understanding.evaluation import Labelled
from handlers.understanding.model import (
    DEFAULT_SETTINGS,
    SHIPPED_MODEL,
    LinearModel,
    ModelError,
    Opinion,
    char_grams,
    features,
)
from handlers.understanding.training import fit, folds, group_folds, learn, samples, source
from tests.support.harness import shared_nlp

SMALL = [
    Labelled("楼道灯坏了", "small", "facility"),
    Labelled("3栋路灯不亮了", "small", "facility"),
    Labelled("垃圾桶满了没人倒", "small", "sanitation"),
    Labelled("门口垃圾好几天没清", "small", "sanitation"),
    Labelled("老人倒在地上叫不应", "urgent", "welfare"),
    Labelled("楼道里好大煤气味", "urgent", "safety"),
    Labelled("谢谢大家", "none", "none"),
    Labelled("大家早上好", "none", "none"),
    Labelled("停车位不够，想开会表决收费标准", "difficult", "parking"),
    Labelled("加装电梯要业主投票", "difficult", "elevator"),
]


def test_the_shipped_model_loads_and_says_something_sensible() -> None:
    """The shipped file is a model with the decision settings chosen by CV."""
    model = LinearModel.load(SHIPPED_MODEL)
    assert set(model.settings) == set(DEFAULT_SETTINGS)
    assert model.info["rows"] >= 2000 and "cv" in model.info
    nlp = shared_nlp()
    assert nlp.model is not None
    opinion = nlp.model.opinion(nlp.analyse("楼下有个老人倒在地上叫不应")[2])
    assert max(opinion.classes, key=opinion.classes.__getitem__) == "urgent"
    assert abs(sum(opinion.classes.values()) - 1) < 1e-6


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    """What is saved is what is loaded (weights kept to half precision)."""
    model = LinearModel(
        vocabulary={"a": 0, "b": 1},
        weights=np.array([[1, 0, 0, 0, *[0] * 13], [0, 2, 0, 0, *[0] * 13]], dtype=np.float32),
        bias=np.zeros(17),
        categories=tuple(f"c{i}" for i in range(13)),
        info={"rows": 2},
    )
    path = tmp_path / "m.npz"
    model.save(path)
    again = LinearModel.load(path)
    assert again.vocabulary == model.vocabulary and again.info == {"rows": 2}
    assert again.opinion(["b"]).classes == pytest.approx(model.opinion(["b"]).classes, abs=1e-3)


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04broken"])
def test_a_broken_model_file_says_to_relearn(tmp_path: Path, content: bytes) -> None:
    """A damaged file is a clear error, never a traceback from numpy."""
    path = tmp_path / "m.npz"
    path.write_bytes(content)
    with pytest.raises(ModelError, match="liufang learn"):
        LinearModel.load(path)
    with pytest.raises(ModelError, match="not found"):
        LinearModel.load(tmp_path / "missing.npz")


def test_features_cover_characters_tokens_and_signs() -> None:
    """Characters, pairs, triples, tokens and the not-a-report signs are all features."""
    feats = features("T3修了吗", ["T3", "修", "了", "吗"], [], {"asking"})
    strings = set(feats.strings())
    assert {"修", "修了", "^T", "吗$", "w:T3", "n:asking", "n:ticket", "q:end"} <= strings
    assert feats.signs == {"asking", "ticket"}


def test_opinion_from_features_equals_opinion_from_their_strings() -> None:
    """The fast path (n-grams straight into a set) gives what training saw."""
    nlp = shared_nlp()
    assert nlp.model is not None
    # The padded pairs (^x, x$) are looked up by character: texts that start or end with the
    # padding characters themselves, or are one character long, must agree too.
    odd = ("$", "^", "^^", "$$", "^路灯坏了$", "$5块", "路", "好的^")
    digits = ("7", "1103室漏水", "请打120", "19栋3单元501室门禁坏了", "2024年9月9日9")
    for text in (
        "3栋2单元门口的路灯坏了",
        "谢谢",
        "T12怎么样了？",
        "老人倒在地上叫不应!!",
        *odd,
        *digits,
    ):
        feats = nlp.analyse(text)[2]
        fast, slow = nlp.model.opinion(feats), nlp.model.opinion(feats.strings())
        assert fast.classes == pytest.approx(slow.classes)
        assert fast.categories == pytest.approx(slow.categories)


def test_every_digit_reads_as_zero_in_the_character_grams() -> None:
    """Room and building numbers are one kind of feature: 901室 and 1103室 look the same."""
    nlp = shared_nlp()
    assert nlp.model is not None
    assert char_grams("901室") == ["0", "0", "0", "室", "^0", "00", "00", "0室", "室$"]
    a = nlp.model.opinion(features("22栋3单元901室停车位太少了", [], []))
    b = nlp.model.opinion(features("48栋7单元165室停车位太少了", [], []))
    assert a.classes == b.classes


def test_fit_on_a_small_file_learns_it() -> None:
    """A model fitted on ten lines gets them back (it can fail: labels must be learnt)."""
    rules = Understanding.load(model_file=None)
    data = samples(_analyse(rules), SMALL, lambda row: False)
    model = fit(data, c=10.0, min_count=1)
    for sample in data:
        opinion = model.opinion(sample.features)
        assert max(opinion.classes, key=opinion.classes.__getitem__) == sample.row.klass
        if sample.row.klass != "none":
            best = max(opinion.categories, key=opinion.categories.__getitem__)
            assert best == sample.row.category


def test_learn_cross_validates_and_records_figures() -> None:
    """learn() reports rules-only and combined figures and stores them in the model."""
    learned = learn(Understanding.load(model_file=None), SMALL * 2, k=2)
    assert learned.rows == 20 and learned.folds == 2
    assert set(learned.model.info["cv"]) == {
        "class_accuracy",
        "urgent_recall",
        "chatter_to_ticket",
        "category_accuracy",
    }
    json.dumps(learned.model.info)  # it must be writable into the model file


def test_combine_frames_signs_and_the_maybe_band() -> None:
    """The vote: a decisive frame adds to urgent; signs to none; danger flags 可能是急事."""
    s = {**DEFAULT_SETTINGS, "alpha": 0.5, "frame_boost": 1.0, "strong_sign": 1.0, "maybe": 0.2}
    cats = {"facility": 0.9, "safety": 0.1}
    calm = Opinion({"urgent": 0.1, "difficult": 0.0, "small": 0.8, "none": 0.1}, cats)
    assert combine("small", "facility", calm, False, False, s) == ("small", "facility", False)
    assert combine("small", "facility", calm, True, True, s)[0] == "urgent"
    assert combine("small", "facility", calm, False, True, s) == ("small", "facility", True)
    assert combine("small", "facility", calm, False, False, s, frozenset({"relayed"}))[0] == "none"
    worried = Opinion({"urgent": 0.3, "difficult": 0.0, "small": 0.6, "none": 0.1}, cats)
    assert combine("small", "facility", worried, False, False, s)[2] is True
    assert combine("small", "facility", None, True, True, s)[0] == "urgent"


def _analyse(nlp: Understanding):  # type: ignore[no-untyped-def]
    from handlers.understanding.training import _analyser

    return _analyser(nlp)


def test_folds_hold_each_source_whole() -> None:
    """Cross-validation holds out whole files (or a community's corrections): a model is
    scored on writers it never saw.  With fewer sources than folds, the rows are split."""
    rules = Understanding.load(model_file=None)
    rows = [
        Labelled(f"{i}号楼路灯坏了", "small", "facility", f"{src}:{i}")
        for i, src in enumerate(["a.jsonl"] * 5 + ["b.jsonl"] * 3 + ["c.jsonl"] * 2 + ["m:T9"])
    ]
    data = samples(_analyse(rules), rows, lambda row: False)
    got = group_folds(data, 3)
    assert sorted(i for fold in got for i in fold) == list(range(len(rows)))
    for fold in got:
        assert fold  # no fold is empty
        for i in fold:  # every row of a source is in its fold
            assert all(
                j in fold for j, s in enumerate(data) if source(s.row) == source(data[i].row)
            )
    assert sorted(map(len, got)) == [3, 3, 5]  # largest first, each to the lightest fold
    assert len(group_folds(data, 5)) == 5 and sum(map(len, group_folds(data, 5))) == len(rows)
    assert group_folds(data[:5], 3) == folds(5, 3)  # one source: rows are split
