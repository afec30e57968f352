"""Hours as people write them (1.5小时, 半小时, 2个小时) and as the bank stores them (halves)."""

from __future__ import annotations

import re

MAX_SERVICE_HALVES = 24  # one service of more than 12 hours is a typing mistake
_HOURS = re.compile(
    r"(?P<sign>[+-]?)\s*(?:(?P<num>\d+(?:\.\d+)?)\s*个?\s*(?P<half>半)?\s*(?:小时|钟头|h|H)"
    r"|(?P<halfonly>半)\s*(?:个)?\s*(?:小时|钟头))"
)


class HoursError(ValueError):
    """Hours that are missing, not in 0.5-hour steps, or out of range; says what to write."""


def find_hours(text: str) -> tuple[int, str]:
    """The signed half-hours written in ``text`` and the text without them.

    Raises HoursError when there are none or they are not whole half-hours.
    """
    m = _HOURS.search(text)
    if m is None:
        raise HoursError("请写上服务了多少小时，按半小时计，例如：1.5小时")
    if m["halfonly"]:
        halves = 1
    else:
        value = float(m["num"]) + (0.5 if m["half"] else 0)
        doubled = value * 2
        if abs(doubled - round(doubled)) > 1e-9:
            raise HoursError(f"时长按半小时计，{m['num']}小时不行，请写成 0.5 的倍数，如 1.5小时")
        halves = round(doubled)
    if m["sign"] == "-":
        halves = -halves
    rest = (text[: m.start()] + " " + text[m.end() :]).strip()
    return halves, " ".join(rest.split())


def hours_text(halves: int) -> str:
    """Half-hours as people read them: 1.5小时, 2小时, 0.5小时."""
    whole, half = divmod(abs(halves), 2)
    sign = "-" if halves < 0 else ""
    return f"{sign}{whole}{'.5' if half else ''}小时"
