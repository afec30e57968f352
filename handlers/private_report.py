"""报事 in a private chat: filed in the sender's grid, answered privately.

The grid comes from the message (「报事 2网格 …」 or a grid group's name), else from the
sender's own grid, else from a community with one grid; otherwise the bot asks which grid and
shows the line to send back, so nothing is filed in the wrong place.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from handlers.context import Context
from handlers.events import Reply
from handlers.replies import REPORT_USAGE, answer
from storage.models import Group
from storage.people import grid_groups

FileReport = Callable[..., list[Reply]]
_SEPARATOR = re.compile(r"^[\s:：,，、]+")
MAX_LISTED = 8


def private_report(ctx: Context, text: str, file_report: FileReport) -> list[Reply]:
    """File ``text`` (after 报事) in the right grid group, or ask which grid it is."""
    groups = _grid_groups(ctx)
    group, text = _named(groups, text.strip())
    if not text:
        return [answer(ctx, REPORT_USAGE)]
    group = group or _own_grid(ctx, groups)
    if group is None:
        return [answer(ctx, _which_grid(ctx, groups, text))]
    event = replace(ctx.event, room_id=group.room_id, room_topic=group.topic)
    replies = file_report(replace(ctx, event=event, group=group), group, text, explicit=True)
    if not replies:
        return [answer(ctx, REPORT_USAGE)]
    # The first reply is the receipt (or the +1 answer) to the reporter: it stays private.
    first, *rest = replies
    return [replace(answer(ctx, first.text), urgent=first.urgent), *rest]


def _grid_groups(ctx: Context) -> list[Group]:
    """Grid groups the sender could mean: their community's, or every one when unknown."""
    return grid_groups(ctx.session, ctx.community_code)


def _named(groups: list[Group], text: str) -> tuple[Group | None, str]:
    """The grid named at the start of ``text`` (group name or grid name) and the rest."""
    names = [(g.topic, g) for g in groups] + [(g.grid, g) for g in groups if g.grid]
    for name, group in sorted(names, key=lambda n: len(n[0]), reverse=True):
        if text.startswith(name):
            rest = _SEPARATOR.sub("", text[len(name) :])
            ambiguous = sum(1 for g in groups if name in (g.topic, g.grid)) > 1
            if not ambiguous:
                return group, rest
    return None, text


def _own_grid(ctx: Context, groups: list[Group]) -> Group | None:
    """The sender's own grid group, or the only grid group of their community."""
    member = ctx.member
    if member is not None and member.grid:
        for group in groups:
            if group.grid == member.grid and group.community_code == member.community_code:
                return group
    if ctx.community_code and len(groups) == 1:
        return groups[0]
    return None


def _which_grid(ctx: Context, groups: list[Group], text: str) -> str:
    """Ask which grid, with the exact line to send back."""
    if not groups:
        return "我还不知道您是哪个社区的。请在您所在的网格群里直接说问题和位置。"
    known = ctx.community_code is not None
    names = [(g.grid or g.topic) if known else g.topic for g in groups][:MAX_LISTED]
    more = "等" if len(groups) > MAX_LISTED else ""
    return (
        f"请问是哪个网格的事？可选：{'、'.join(names)}{more}。"
        f"请这样发：报事 {names[0]} {text[:30]}"
    )
