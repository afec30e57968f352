"""排行榜: who served the most hours this month or ever; anyone may keep their name off it."""

from __future__ import annotations

from datetime import datetime

from handlers.commands.base import STAFF
from handlers.commands.parser import Command
from handlers.context import Context
from handlers.events import Reply
from handlers.replies import answer
from handlers.teams.account import community_or_refuse
from handlers.teams.hours import hours_text
from handlers.teams.names import shown_name
from storage.volunteers.ledger import Standing, board_all_time, board_between, open_account

ALL_TIME = ("总榜", "累计", "全部")
HIDE = ("不显示我", "隐藏我", "不公开")
SHOW = ("显示我", "公开我")
TOP = 10


def month_span(now: datetime) -> tuple[datetime, datetime]:
    """The local calendar month ``now`` falls in, as [start, end)."""
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


def show_board(ctx: Context, cmd: Command) -> list[Reply]:
    """排行榜 [总榜], or 排行榜 不显示我 / 显示我."""
    community = community_or_refuse(ctx)
    rest = cmd.rest.strip()
    if rest in HIDE or rest in SHOW:
        acct = open_account(ctx.session, community, ctx.event.sender_id, ctx.event.sender_name)
        acct.hidden = rest in HIDE
        ctx.session.add(acct)
        text = (
            "好的，排行榜上不再显示您的名字，居民看到的是“某志愿者”。想显示时发「排行榜 显示我」。"
            if acct.hidden
            else "好的，排行榜上会显示您的名字。不想显示时发「排行榜 不显示我」。"
        )
        return [answer(ctx, text)]
    if rest in ALL_TIME:
        title, rows = "累计排行榜", board_all_time(ctx.session, community, TOP)
    else:
        start, end = month_span(ctx.now)
        title = f"{start.month}月排行榜"
        rows = board_between(ctx.session, community, start, end, TOP)
    if not rows:
        return [answer(ctx, f"{title}还没有人上榜。参加服务队的服务，确认后就有时长。")]
    # Full names only for the community's staff reading privately; in a group residents read.
    full = ctx.event.is_private and ctx.role in STAFF
    lines = [f"【{title}】"] + [_line(i, r, full=full) for i, r in enumerate(rows, 1)]
    if rest not in ALL_TIME:
        lines.append("发「排行榜 总榜」看累计；不想上榜发「排行榜 不显示我」。")
    return [answer(ctx, "\n".join(lines))]


def _line(place: int, row: Standing, *, full: bool) -> str:
    return f"{place}. {shown_name(row.name, row.hidden, full=full)} {hours_text(row.halves)}"
