"""How a volunteer's name is shown on the 排行榜: in full, or masked when they opted out.

One function, so the privacy module can take it over in one place.
"""

from __future__ import annotations

VOLUNTEER = "志愿者"


def masked_name(name: str) -> str:
    """Surname plus 志愿者: 王奶奶 → 王志愿者 (a display name starting 志愿者 keeps the next
    character: 志愿者小杨 → 小志愿者)."""
    core = name.removeprefix(VOLUNTEER).strip() or name
    return f"{core[:1]}{VOLUNTEER}"


def shown_name(name: str, hidden: bool, *, full: bool) -> str:
    """The name on a board line: ``full`` for the community's staff reading in private."""
    if not hidden:
        return name
    return f"{name}（不公开）" if full else masked_name(name)
