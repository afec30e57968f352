"""The cue lexicon: shipped TOML data plus a secretary's extension files, merged and checked."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from handlers.vocabulary import CATEGORIES, SIX_PARTIES

SHIPPED_LEXICON = Path(__file__).resolve().parent / "data" / "lexicon.toml"

CLASS_SECTIONS = ("urgent", "difficult", "small")
REPORT_CATEGORIES = tuple(c for c in CATEGORIES if c != "none")
THRESHOLD_KEYS = (
    "report",
    "urgent",
    "urgent_cue",
    "difficult",
    "category_share",
    "category_cap",
    "location",
)
_TOP_KEYS = ("version", "thresholds", "negation", "places", "nonreport", "classes", "categories")
_CUE_TABLE_KEYS = ("cues", "patterns")
_CATEGORY_KEYS = ("responsible", "responsible_by_cue", "label", *_CUE_TABLE_KEYS)
_MAX_WEIGHT = 10.0


class LexiconError(ValueError):
    """A lexicon file that cannot be used; ``errors`` lists every problem found."""

    def __init__(self, errors: Sequence[str]) -> None:
        """Keep the individual messages for ``liufang check-config``."""
        super().__init__("\n".join(errors))
        self.errors = list(errors)


@dataclass
class Lexicon:
    """Merged cue data.  A section is ``nonreport``, a class code or ``cat:<category>``."""

    thresholds: dict[str, float] = field(default_factory=dict)
    negators: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    cues: dict[str, dict[str, float]] = field(default_factory=dict)  # section → cue → weight
    patterns: dict[str, dict[str, float]] = field(default_factory=dict)  # section → regex → w
    responsible: dict[str, str] = field(default_factory=dict)  # category → role
    responsible_by_cue: dict[str, dict[str, str]] = field(default_factory=dict)  # cat → cue → role

    @classmethod
    def load(cls, paths: Sequence[Path] = ()) -> Lexicon:
        """The shipped lexicon merged with ``paths`` in order; later files override earlier."""
        lexicon = cls()
        for path in (SHIPPED_LEXICON, *paths):
            errors = validate_lexicon_file(path)
            if errors:
                raise LexiconError(errors)
            lexicon._merge(_read(Path(path)))
        return lexicon

    def _merge(self, data: dict[str, Any]) -> None:
        self.thresholds.update({k: float(v) for k, v in data.get("thresholds", {}).items()})
        for word in data.get("negation", {}).get("words", []):
            if word not in self.negators:
                self.negators.append(word)
        for word in data.get("places", {}).get("words", []):
            if word not in self.places:
                self.places.append(word)
        for section, table in _cue_tables(data):
            for kind, target in (("cues", self.cues), ("patterns", self.patterns)):
                merged = target.setdefault(section, {})
                for weight, items in table.get(kind, {}).items():
                    for item in items:
                        # A later file replaces the weight; 0 switches a shipped cue off.
                        merged.pop(item, None)
                        if float(weight) != 0:
                            merged[item] = float(weight)
        for code, table in data.get("categories", {}).items():
            if "responsible" in table:
                self.responsible[code] = table["responsible"]
            by_cue = self.responsible_by_cue.setdefault(code, {})
            for role, words in table.get("responsible_by_cue", {}).items():
                by_cue.update(dict.fromkeys(words, role))


def _read(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _cue_tables(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every (section, table-with-cues/patterns) of one file, in a fixed order."""
    tables: list[tuple[str, dict[str, Any]]] = []
    if isinstance(data.get("nonreport"), dict):
        tables.append(("nonreport", data["nonreport"]))
    classes, categories = data.get("classes"), data.get("categories")
    for code, table in classes.items() if isinstance(classes, dict) else ():
        tables.append((code, table))
    for code, table in categories.items() if isinstance(categories, dict) else ():
        tables.append((f"cat:{code}", table))
    return [(s, t) for s, t in tables if isinstance(t, dict)]


def validate_lexicon_file(path: Path | str) -> list[str]:
    """Human-readable problems of one lexicon file (file, key, what to do); empty when fine."""
    path = Path(path)
    try:
        data = _read(path)
    except FileNotFoundError:
        return [f"{path}: file not found — check the lexicon path in the config"]
    except OSError as exc:
        return [f"{path}: cannot read ({exc.strerror}) — check the file permissions"]
    except tomllib.TOMLDecodeError as exc:
        return [f"{path}: not valid TOML ({exc}) — fix the syntax at that line"]
    errors: list[str] = []

    def err(key: str, problem: str, fix: str) -> None:
        errors.append(f"{path}: {key}: {problem} — {fix}")

    _check_keys(data, "", _TOP_KEYS, err)
    if "version" in data and data["version"] != 1:
        err("version", f"unsupported version {data['version']!r}", "write version = 1")
    thresholds = _table(data, "thresholds", err)
    _check_keys(thresholds, "thresholds.", THRESHOLD_KEYS, err)
    for key, value in thresholds.items():
        if key in THRESHOLD_KEYS and not _is_number(value):
            err(f"thresholds.{key}", f"{value!r} is not a number", "write a number such as 2.5")
    for name in ("negation", "places"):
        table = _table(data, name, err)
        _check_keys(table, f"{name}.", ("words",), err)
        if "words" in table:
            _check_words(table["words"], f"{name}.words", err)
    _table(data, "nonreport", err)
    classes = _table(data, "classes", err)
    _check_keys(classes, "classes.", CLASS_SECTIONS, err)
    for code, table in classes.items():
        if not isinstance(table, dict):
            err(f"classes.{code}", "must be a table", f"write [classes.{code}.cues]")
    categories = _table(data, "categories", err)
    _check_keys(categories, "categories.", REPORT_CATEGORIES, err)
    for section, table in _cue_tables(data):
        prefix = _section_key(section)
        allowed = _CATEGORY_KEYS if section.startswith("cat:") else _CUE_TABLE_KEYS
        _check_keys(table, f"{prefix}.", allowed, err)
        for kind in _CUE_TABLE_KEYS:
            if kind in table:
                _check_weighted(table[kind], f"{prefix}.{kind}", kind == "patterns", err)
    for code, table in categories.items():
        if not isinstance(table, dict):
            err(f"categories.{code}", "must be a table", f"write [categories.{code}]")
            continue
        role = table.get("responsible")
        if role is not None and role not in SIX_PARTIES:
            err(f"categories.{code}.responsible", f"unknown role {role!r}", _roles_hint())
        by_cue = table.get("responsible_by_cue", {})
        if not isinstance(by_cue, dict):
            err(f"categories.{code}.responsible_by_cue", "must be a table", _roles_hint())
            continue
        for role, words in by_cue.items():
            key = f"categories.{code}.responsible_by_cue.{role}"
            if role not in SIX_PARTIES:
                err(key, f"unknown role {role!r}", _roles_hint())
            _check_words(words, key, err)
    return errors


def _section_key(section: str) -> str:
    if section == "nonreport":
        return "nonreport"
    if section.startswith("cat:"):
        return f"categories.{section[4:]}"
    return f"classes.{section}"


def _roles_hint() -> str:
    return "use one of " + ", ".join(SIX_PARTIES)


def _table(data: dict[str, Any], key: str, err: Any) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        err(key, "must be a table", f"write [{key}] on its own line")
        return {}
    return value


def _check_keys(table: dict[str, Any], prefix: str, allowed: Sequence[str], err: Any) -> None:
    for key in table:
        if key not in allowed:
            err(f"{prefix}{key}", f"unknown key {key!r}", "use one of " + ", ".join(allowed))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_words(words: object, key: str, err: Any) -> None:
    if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
        err(key, "must be a list of non-empty strings", 'write e.g. ["词一", "词二"]')


def _check_weighted(table: object, key: str, is_pattern: bool, err: Any) -> None:
    if not isinstance(table, dict):
        err(key, "must be a table of weight = [words]", f'write [{key}] then "2" = ["词"]')
        return
    seen: dict[str, str] = {}
    for weight, items in table.items():
        try:
            value = float(weight)
        except ValueError:
            err(f"{key}.{weight}", f"weight {weight!r} is not a number", 'quote a number: "2.5"')
            continue
        if isinstance(items, dict):  # bare 2.5 = [...] is a dotted key in TOML
            err(
                f"{key}.{weight}", "weight must be quoted", f'write "{weight}.{next(iter(items))}"'
            )
            continue
        if not -_MAX_WEIGHT <= value <= _MAX_WEIGHT:
            err(
                f"{key}.{weight}", "weight out of range", f"use -{_MAX_WEIGHT:g} … {_MAX_WEIGHT:g}"
            )
        _check_words(items, f"{key}.{weight}", err)
        for item in items if isinstance(items, list) else ():
            if not isinstance(item, str):
                continue
            if item in seen and seen[item] != weight:
                err(f"{key}.{weight}", f"{item!r} also has weight {seen[item]}", "keep one weight")
            seen[item] = weight
            if is_pattern:
                try:
                    re.compile(item)
                except re.error as exc:
                    err(f"{key}.{weight}", f"bad regex {item!r} ({exc})", "fix or quote it")
            elif item[:1] == "=" and len(item.strip()) < 2:
                err(f"{key}.{weight}", "'=' needs a word after it", 'write e.g. "=灯"')
            elif item[:1] == "*" and len(item.strip()) != 2:
                err(f"{key}.{weight}", f"{item!r}: '*' takes one character", 'write e.g. "*灯"')
