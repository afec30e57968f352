"""How a volunteer's name is shown on the 排行榜: in full, or masked when they opted out.

The surname is read by the privacy module's rules (compound surnames such as 欧阳 stay whole).
"""

from __future__ import annotations

from handlers.privacy import surname

VOLUNTEER = "志愿者"
TITLES = ("志愿者", "党员", "队员")  # words a display name may start with before the surname


def masked_name(name: str) -> str:
    """Surname plus 志愿者: 王奶奶 → 王志愿者, 党员吴姐 → 吴志愿者, 欧阳娜娜 → 欧阳志愿者
    (a leading title is not a surname; 小杨 → 小志愿者 shows no more than that)."""
    core = name.strip()
    for title in TITLES:
        core = core.removeprefix(title).strip()
    return f"{surname(core or name)}{VOLUNTEER}"


def shown_name(name: str, hidden: bool, *, full: bool) -> str:
    """The name on a board line: ``full`` for the community's staff reading in private."""
    if not hidden:
        return name
    return f"{name}（不公开）" if full else masked_name(name)
