"""The masking loop as it was before rules had ``needs`` (commit f475569), kept verbatim.

``tests/handlers/test_privacy_reference.py`` checks that ``handlers.privacy.mask`` gives exactly
what this gives: the fast paths (skipped rules, skipped normalising) must change no output. The
policy (rules and name lists) is the live one; only the way it is applied is frozen here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from handlers.privacy import MEMBER, REPORTER, Policy, policy

_PASSES = 4  # the rules run again until the text stops changing; this bounds the loop
_WIDE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp - 0xFEE0).isalnum()}
_WIDE |= {ord("＋"): ord("+"), ord("－"): ord("-"), ord("（"): ord("("), ord("）"): ord(")")}
_INVISIBLE = re.compile(r"[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


# Characters that end a name when they follow its first given character: verbs and particles.
_AFTER_NAME = frozenset("说讲称反投在家的了和与跟及等也都又已要想来去找打是住报问请被把")


def _surname_of(name: str, pol: Policy) -> str:
    m = pol.honorific_name.match(name + "先生")
    return m["surname"] if m else name[:1]


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


def _known_names(reporter: Iterable[str], members: Iterable[str]) -> list[tuple[str, str]]:
    """(name, what replaces it) of the names the caller knows, longest first."""
    names = {n.strip(): MEMBER for n in members if len(n.strip()) >= 2}
    names |= {n.strip(): REPORTER for n in reporter if len(n.strip()) >= 2}
    # Longest first, so 王小明 goes before a member called 王小.
    return [(name, names[name]) for name in sorted(names, key=len, reverse=True)]


def _mask_known(text: str, known: list[tuple[str, str]]) -> str:
    for name, replacement in known:
        text = text.replace(name, replacement)
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
    text = _INVISIBLE.sub("", text.translate(_WIDE))
    known = _known_names(reporter, members)  # once, not once per pass
    for _ in range(_PASSES):
        before = text
        text = _mask_known(text, known)
        for rule in pol.rules:
            text = rule.pattern.sub(rule.replace, text)
        text = _mask_role_names(text, pol)
        if text == before:
            break
    return text
