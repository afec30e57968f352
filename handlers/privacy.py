"""The one privacy policy: what personal data is hidden in text that leaves for other eyes.

Every way out that a resident, the public or a log reader sees goes through ``mask``: cards to
residents' groups, the Open311 feed (JSON and XML), the CSV, public stats, the dashboard for
roles that may not see contact details, and log lines. The rules are data
(``handlers/data/privacy.toml``); this module only applies them. Hidden: phones in every common
form, ID and bank-card numbers, e-mail, WeChat and QQ ids, flat numbers (the building stays),
names introduced by a role word (业主王小明 → 业主王某) or before an honorific
(王秀英阿姨 → 王阿姨), and names the caller knows (the reporter, the directory's members).
"""

from __future__ import annotations

import logging
import re
import tomllib
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

RULES_FILE = Path(__file__).resolve().parent / "data" / "privacy.toml"
REPORTER = "报事人"  # what the reporter's own name becomes
MEMBER = "[姓名]"  # what another known person's name becomes
_PASSES = 4  # the rules run again until the text stops changing; this bounds the loop

# Full-width digits, letters and the few signs of numbers map onto ASCII before matching, and
# invisible characters go, so １３８００１３８０００ or 138\u200b0013\u200b8000 cannot slip by.
_WIDE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp - 0xFEE0).isalnum()}
_WIDE |= {ord("＋"): ord("+"), ord("－"): ord("-"), ord("（"): ord("("), ord("）"): ord(")")}
_INVISIBLE_CHARS = r"\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
# Exactly the characters the two steps above change: most text has none, and one search is
# cheaper than translating it. (Not all of U+FF01–U+FF5E: Chinese text has full-width
# punctuation, ，！？, nearly always, which neither step touches.)
_TO_NORMALISE = re.compile(
    "[" + "".join(re.escape(chr(cp)) for cp in sorted(_WIDE)) + _INVISIBLE_CHARS + "]"
)


@dataclass(frozen=True)
class Rule:
    """One pattern of personal data and what replaces it."""

    name: str
    pattern: re.Pattern[str]
    replace: str
    needs: re.Pattern[str] | None = None  # found in every match: where absent, the rule is skipped


@dataclass(frozen=True)
class Policy:
    """The rules, in order, and the name lists of the role-word rules."""

    rules: tuple[Rule, ...]
    role_name: re.Pattern[str]
    honorific_name: re.Pattern[str]
    not_names: frozenset[str]
    # Any rule's `needs` (None when some rule has none): where absent, no rule can match.
    any_needs: re.Pattern[str] | None = None
    # The words a match of role_name starts with or honorific_name looks ahead to (a regular
    # expression): where none is found, neither can match.
    words: str = ""


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@cache
def policy(path: Path = RULES_FILE) -> Policy:
    """The policy read from ``path`` (once per process)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    lists = data["lists"]
    needs = {r["needs"] for r in data.get("rule", []) if "needs" in r}
    # One compiled object per distinct `needs`, so a pass searches each of them once.
    gates = {n: re.compile(n) for n in sorted(needs)}
    rules = tuple(
        Rule(r["name"], re.compile(r["pattern"]), r["replace"], gates.get(r.get("needs", "")))
        for r in data.get("rule", [])
    )
    surname = _alternation(lists["SURNAME"])
    given = r"[\u4e00-\u9fff]{1,2}"
    role_name = re.compile(
        rf"({_alternation(lists['ROLE'])})\s*[:：]?\s*(?P<name>(?:{surname}){given})"
    )
    honorific_name = re.compile(
        rf"(?P<surname>{surname})(?P<given>{given})"
        rf"(?=(?:{_alternation(lists['HONORIFIC'])}))"
    )
    any_needs = None
    if all(r.needs is not None for r in rules):
        any_needs = re.compile("|".join(f"(?:{n})" for n in sorted(needs)))
    words = _alternation([*lists["ROLE"], *lists["HONORIFIC"]])
    return Policy(
        rules, role_name, honorific_name, frozenset(lists["NOT_NAMES"]), any_needs, words
    )


# Characters that end a name when they follow its first given character: verbs and particles.
_AFTER_NAME = frozenset("说讲称反投在家的了和与跟及等也都又已要想来去找打是住报问请被把")


def _surname_of(name: str, pol: Policy) -> str:
    m = pol.honorific_name.match(name + "先生")
    return m["surname"] if m else name[:1]


def surname(name: str) -> str:
    """The surname of a name as the masking rules read it: 欧阳娜娜 → 欧阳, 王秀英 → 王."""
    return _surname_of(name.strip(), policy()) if name.strip() else ""


def _mask_role_names(text: str, pol: Policy) -> str:
    def role(m: re.Match[str]) -> str:
        name = m["name"]
        if name[:2] in pol.not_names or name in pol.not_names:
            return m[0]
        surname = _surname_of(name, pol)
        # A given name of two characters whose second one starts the next word (业主王某说) is
        # one character long: keep what follows when it reads as a verb or particle.
        rest = name[len(surname) :]
        tail = rest[1:] if len(rest) == 2 and rest[1] in _AFTER_NAME else ""
        return m[0][: m.start("name") - m.start()] + surname + "某" + tail

    text = pol.role_name.sub(role, text)

    def honorific(m: re.Match[str]) -> str:
        if (m["surname"] + m["given"])[:2] in pol.not_names:
            return m[0]
        return m["surname"]

    return pol.honorific_name.sub(honorific, text)


def _ordered_names(reporter: Iterable[str], members: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """(name, what replaces it) of these names, longest first."""
    names = {n.strip(): MEMBER for n in members if len(n.strip()) >= 2}
    names |= {n.strip(): REPORTER for n in reporter if len(n.strip()) >= 2}
    # Longest first, so 王小明 goes before a member called 王小.
    return tuple((name, names[name]) for name in sorted(names, key=len, reverse=True))


@dataclass(frozen=True, slots=True)
class _Directory:
    """A directory's names as :func:`_ordered_names` orders them, and where each one stands."""

    known: tuple[tuple[str, str], ...]
    lengths: tuple[int, ...]  # minus each name's length: ascending, for bisect
    places: dict[str, int]


@lru_cache(maxsize=64)
def _directory(members: tuple[str, ...]) -> _Directory:
    known = _ordered_names((), members)
    lengths = tuple(-len(name) for name, _ in known)
    return _Directory(known, lengths, {name: i for i, (name, _) in enumerate(known)})


@lru_cache(maxsize=256)
def _known_names(
    reporter: tuple[str, ...], members: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    """(name, what replaces it) of the names the caller knows, longest first."""
    # Cached: the same reporter and directory come with every field of a ticket and every ticket
    # of a community. A new reporter comes with every ticket: the directory's names are ordered
    # once, and one reporter's name is placed among them as the sort would place it.
    if len(reporter) != 1:
        return _ordered_names(reporter, members)
    directory = _directory(members)
    name = reporter[0].strip()
    if len(name) < 2:
        return directory.known
    known = directory.known
    where = directory.places.get(name)
    if where is not None:  # a member of that name is the reporter, in the member's place
        return (*known[:where], (name, REPORTER), *known[where + 1 :])
    # After every name at least as long: a stable sort keeps the members' names, given first,
    # before it among equal lengths.
    where = bisect_right(directory.lengths, -len(name))
    return (*known[:where], (name, REPORTER), *known[where:])


def _mask_known(text: str, known: tuple[tuple[str, str], ...]) -> str:
    for name, replacement in known:
        text = text.replace(name, replacement)
    return text


@lru_cache(maxsize=64)
def _quiet(words: str, members: tuple[str, ...]) -> re.Pattern[str]:
    """The role and honorific words ``words`` and the directory's names: where none of them
    is found, neither the names nor the role-word rules can change a text."""
    # Every alternative starts with a fixed character: the search skips the others quickly.
    return re.compile(
        "|".join([words, *(re.escape(name) for name, _ in _directory(members).known)])
    )


def _named(text: str, reporter: tuple[str, ...]) -> bool:
    """Whether one of the reporter's names that :func:`mask` replaces is in ``text``."""
    for raw in reporter:
        name = raw.strip()
        if len(name) >= 2 and name in text:
            return True
    return False


def _apply_rules(text: str, pol: Policy) -> str:
    """The rules run in order, each skipped where its ``needs`` is not in the text."""
    if pol.any_needs is not None and not pol.any_needs.search(text):
        return text  # most text: no number, address or id; one search instead of one per need
    # Whether each `needs` is in the text, searched once and forgotten when a rule changes it.
    found: dict[re.Pattern[str], bool] = {}
    for rule in pol.rules:
        if rule.needs is not None:
            present = found.get(rule.needs)
            if present is None:
                present = found[rule.needs] = rule.needs.search(text) is not None
            if not present:
                continue
        text, count = rule.pattern.subn(rule.replace, text)
        if count:
            found.clear()
    return text


def mask(
    text: str | None,
    reporter: Iterable[str] = (),
    members: Iterable[str] = (),
    pol: Policy | None = None,
) -> str:
    """``text`` with personal data hidden; the names in ``reporter`` become 报事人.

    Idempotent: masking masked text changes nothing. One-character names are never replaced
    (a lone 李 would blank every 李 in the text).
    """
    if not text:
        return ""
    pol = pol or policy()
    if _TO_NORMALISE.search(text):
        text = _INVISIBLE.sub("", text.translate(_WIDE))
    reporters, directory = tuple(reporter), tuple(members)
    if (  # the cheap searches first: a text with a role word or a name stops there
        pol.any_needs is not None
        and pol.words
        and not _quiet(pol.words, directory).search(text)
        and not _named(text, reporters)
        and not pol.any_needs.search(text)
    ):
        return text  # most text: no step below could change it, so the loop would not
    known = _known_names(reporters, directory)  # once, not once per pass
    for _ in range(_PASSES):
        before = text
        text = _mask_known(text, known)
        text = _apply_rules(text, pol)
        text = _mask_role_names(text, pol)
        if text == before:
            break
    return text


class MaskingFilter(logging.Filter):
    """A log filter that masks every record's final message (a chat line quoted in an error)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the message with its masked form; never drops a record."""
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
