"""Command parsing, tolerant of spaces, full-width forms and ticket forms (T12 t12 #12 12号)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.vocabulary import CATEGORY_WORDS, CLASS_WORDS

# Longest first, so 我的工单 is not read as something shorter.
VERBS: dict[str, str] = {
    "设置角色": "set_role",
    "我的工单": "mine",
    "绑定": "bind",
    "解绑": "unbind",
    "角色": "roles",
    "认领": "claim",
    "受理": "claim",
    "到场": "arrive",
    "收到": "arrive",
    "进展": "progress",
    "办结": "resolve",
    "转交": "transfer",
    "改为": "reclass",
    "合并": "merge",
    "驳回": "reject",
    "重办": "reopen",
    "重新办理": "reopen",
    "评价": "rate",
    "查询": "query",
    "统计": "stats",
    "帮助": "help",
    "议程": "agenda",
    "召开议事": "convene",
    "决议": "decide",
    "休会": "adjourn",
    # The volunteer teams and the time bank (handlers/teams).
    "接单": "take",
    "服务": "serve",
    "确认": "confirm",
    "时间账户": "account",
    "排行榜": "board",
    "服务队": "teams",
    "兑换": "redeem",
    "更正时间": "correct",
    "加入服务队": "team_join",
    "移出服务队": "team_leave",
}
# Verbs that are also everyday words: only a command when a ticket number follows.
NEEDS_TICKET_TO_BE_A_COMMAND = frozenset({"收到", "到场", "进展", "评价", "接单", "服务", "确认"})
_VERB_RE = re.compile("^(" + "|".join(sorted(VERBS, key=len, reverse=True)) + ")")
# A ticket number at the head of the arguments; free text after it may hold other numbers.
_LEAD_TICKET = re.compile(
    r"[\s:：,，、和]*(?:(?:[Tt]|#|＃)\s*(\d{1,9})|(\d{1,9})\s*号(?!楼))(?!\d)"
)
# Words that may come before the ticket number: 改为 急事 T12, 评价 满意 T12.
_LEAD_WORD = re.compile(r"[\s:：,，]*(急事|小事|难事|基本满意|不满意|满意)")
# 改为 takes a class, a category or both, glued or spaced, before or after the ticket number:
# 改为 水电气 T2, 改为急事水电气T2, 改为 T2 水电气. A known word counts only where it ends (a
# space, punctuation, a ticket number or another known word), so 物业费 is not read as 物业.
_RECLASS_WORDS = "|".join(
    re.escape(w) for w in sorted([*CLASS_WORDS, *CATEGORY_WORDS], key=len, reverse=True)
)
_RECLASS_WORD = re.compile(
    rf"[\s:：,，、和]*({_RECLASS_WORDS})(?=$|[\s:：,，、和。.!！?？]|[Tt#＃]\s*\d|\d|{_RECLASS_WORDS})"
)
# Any other word before the ticket number is kept whole, so the refusal can name it.
_OTHER_WORD = re.compile(r"[\s:：,，、]*((?:(?![Tt#＃]\s*\d|\d)[^\s:：,，、。.!！?？])+)")
# Punctuation between 改为's words and numbers: 改为 急事！T12.
_NOISE = re.compile(r"[\s:：,，、。.!！?？~～]+")
# After the verb: the end, a space or punctuation, or the start of a ticket number.
_BOUNDARY = re.compile(r"^($|[\s:：,，]|[Tt#＃]\s*\d|\d)")
# Verbs that take no argument: "统计一下大家的意见" is chatter, not the statistics command.
_ALONE = frozenset({"我的工单", "统计", "角色", "解绑", "议程", "休会", "时间账户", "服务队"})


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed command: the verb's code, the word used, ticket numbers, and the rest."""

    verb: str
    word: str
    tickets: tuple[int, ...]
    rest: str  # the text after the verb with ticket numbers removed, stripped


def parse(text: str) -> Command | None:
    """The command in ``text`` (already normalised), or None when it is not a command."""
    text = text.strip()
    m = _VERB_RE.match(text)
    if not m:
        return None
    word = m[1]
    after = text[m.end() :]
    if word in _ALONE and after.strip(" \t:：,，。!！?？"):
        return None
    # 改为急事 T12: the class word follows the verb directly.
    if word != "改为" and not _BOUNDARY.match(after):
        return None
    tickets, words, pos = [], [], 0
    while True:
        if m := _LEAD_TICKET.match(after, pos):
            tickets.append(int(m[1] or m[2]))
        elif word == "改为" and (m := _reclass_word(after, pos, before_ticket=not tickets)):
            if m.re is not _NOISE:  # punctuation separates words; it is not one
                words.append(m[1])
        elif word == "评价" and not words and (m := _LEAD_WORD.match(after, pos)):
            words.append(m[1])
        else:
            break
        pos = m.end()
    # "收到" alone is an everyday acknowledgement; "到场" alone is a command missing its number.
    if word in NEEDS_TICKET_TO_BE_A_COMMAND and not tickets and (after.strip() or word == "收到"):
        return None
    rest = " ".join([*words, *after[pos:].lstrip(" \t:：,，").split()])
    return Command(verb=VERBS[word], word=word, tickets=tuple(tickets), rest=rest)


def _reclass_word(text: str, pos: int, *, before_ticket: bool) -> re.Match[str] | None:
    """The next word of 改为 at ``pos``: a class or category, punctuation, or (before the
    ticket number only) any other word; after the number, unknown text is left as it was."""
    return (
        _RECLASS_WORD.match(text, pos)
        or (_OTHER_WORD.match(text, pos) if before_ticket else None)
        or _NOISE.match(text, pos)
    )


def ticket_ref(number: int | None) -> str:
    """How a ticket number is shown: ``T12``."""
    return f"T{number}"


def with_ticket(text: str, number: int) -> str | None:
    """``text`` with ticket ``number`` put after its command word, when it is a command that
    names no ticket (a reply quoting a ticket: 「到场」 → 「到场 T12」); else None."""
    text = text.strip()
    m = _VERB_RE.match(text)
    if not m or not _BOUNDARY.match(text[m.end() :]):
        return None
    said = parse(text)
    if said is not None and said.tickets:
        return None
    filled = f"{m[1]} {ticket_ref(number)}{text[m.end() :]}"
    cmd = parse(filled)
    return filled if cmd is not None and cmd.tickets[:1] == (number,) else None
