"""The lexicon file format: extension by a secretary's TOML file, and its validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.understanding import Lexicon, LexiconError, Understanding, validate_lexicon_file
from handlers.understanding.lexicon import SHIPPED_LEXICON


def write(tmp_path: Path, body: str, name: str = "extra.toml") -> Path:
    """A lexicon file in the test's temporary folder."""
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_shipped_lexicon_is_valid() -> None:
    """The shipped file passes its own validation."""
    assert validate_lexicon_file(SHIPPED_LEXICON) == []


def test_extension_adds_new_cues(tmp_path: Path) -> None:
    """A local word the shipped lexicon does not know becomes a category and urgent cue.

    This is the rules' vote (no model): the learned model learns local words from corrections
    (改为 …, then ``liufang learn``), not from lexicon files.
    """
    text = "西区的光伏板着了，冒着火"
    before = Understanding.load(model_file=None).classify("西区的光伏板松了")
    assert before.category != "utilities"
    extra = write(
        tmp_path,
        """
[categories.utilities.cues]
"3" = ["光伏板"]
[places]
words = ["西区"]
""",
    )
    nlp = Understanding.load([extra], model_file=None)
    got = nlp.classify("西区的光伏板松了")
    assert got.category == "utilities"
    assert "类:光伏板" in got.cues
    assert got.location.place == "西区"
    assert nlp.classify(text).klass == "urgent"


def test_extension_overrides_and_disables(tmp_path: Path) -> None:
    """A weight in an extension replaces the shipped one; weight 0 switches a cue off."""
    shipped = Lexicon.load()
    assert shipped.cues["urgent"]["煤气味"] == 3.0
    extra = write(
        tmp_path,
        """
[classes.urgent.cues]
"0" = ["煤气味"]
"1" = ["着火"]
[thresholds]
urgent = 2.5
""",
    )
    merged = Lexicon.load([extra])
    assert "煤气味" not in merged.cues["urgent"]
    assert merged.cues["urgent"]["着火"] == 1.0
    assert merged.cues["cat:elevator"] == shipped.cues["cat:elevator"]  # untouched sections stay


def test_extension_responsible_roles(tmp_path: Path) -> None:
    """A secretary can send a category, or a cue within it, to another party."""
    extra = write(
        tmp_path,
        """
[categories.greening]
responsible = "unit"
[categories.greening.responsible_by_cue]
department = ["行道树"]
""",
    )
    nlp = Understanding.load([extra])
    assert nlp.classify("草坪很久没修剪了，草长得很高").responsible == "unit"
    assert nlp.classify("路边的行道树枯死了好几棵").responsible == "department"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[categories.parkng.cues]\n"2" = ["车"]\n', "categories.parkng: unknown key 'parkng'"),
        ('[classes.urgent.cues]\n"heavy" = ["火"]\n', "weight 'heavy' is not a number"),
        ('[classes.urgent.cues]\n"20" = ["火"]\n', "weight out of range"),
        ("[classes.urgent.cues]\n2.5 = ['火']\n", "weight must be quoted"),
        ('[classes.urgent.cues]\n"2" = "火"\n', "must be a list of non-empty strings"),
        ('[classes.urgent.cues]\n"2" = ["火", ""]\n', "must be a list of non-empty strings"),
        ('[classes.urgent.cues]\n"2" = ["火"]\n"3" = ["火"]\n', "'火' also has weight"),
        ("[classes.urgent.patterns]\n\"2\" = ['(火']\n", "bad regex '(火'"),
        ('[classes.urgent.cues]\n"2" = ["="]\n', "'=' needs a word after it"),
        ('[classes.urgent.cues]\n"2" = ["*路灯"]\n', "'*' takes one character"),
        ('[categories.noise]\nresponsible = "police"\n', "unknown role 'police'"),
        ('[categories.noise.responsible_by_cue]\ncops = ["吵"]\n', "unknown role 'cops'"),
        ('[thresholds]\nurgent = "high"\n', "thresholds.urgent: 'high' is not a number"),
        ("[thresholds]\nloud = 3\n", "thresholds.loud: unknown key 'loud'"),
        ("version = 2\n", "unsupported version 2"),
        ("[places]\nwords = [1, 2]\n", "places.words: must be a list of non-empty strings"),
        ("[[classes]]\n", "classes: must be a table"),
        ("[classes]\nurgent = 3\n", "classes.urgent: must be a table"),
        ("[classes.urgent\n", "not valid TOML"),
        ('[classes.huge.cues]\n"2" = ["火"]\n', "classes.huge: unknown key 'huge'"),
    ],
)
def test_validation_names_file_key_and_fix(tmp_path: Path, body: str, expected: str) -> None:
    """Every problem names the file and the key, says what is wrong and how to fix it."""
    path = write(tmp_path, body)
    errors = validate_lexicon_file(path)
    assert any(expected in e for e in errors), errors
    assert all(e.startswith(f"{path}: ") and " — " in e for e in errors), errors


def test_missing_file(tmp_path: Path) -> None:
    """A lexicon path that does not exist says so."""
    errors = validate_lexicon_file(tmp_path / "nope.toml")
    assert len(errors) == 1 and "file not found" in errors[0]


def test_load_refuses_a_bad_file(tmp_path: Path) -> None:
    """Loading a broken extension raises with every problem listed."""
    path = write(tmp_path, '[classes.urgent.cues]\n"x" = ["火"]\n"20" = ["烟"]\n')
    with pytest.raises(LexiconError) as caught:
        Lexicon.load([path])
    assert len(caught.value.errors) == 2
