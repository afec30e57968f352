"""Figures of the statistics pages: tickets per week by class, by category, overdue by party,
and the three rates of ``handlers.followups.rates`` summed over the communities shown.

Counting is done by the database (GROUP BY); only a few dozen rows come back whatever the
number of tickets.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from aiohttp import web
from markupsafe import Markup
from sqlalchemy import func, literal_column
from sqlalchemy.sql.functions import Function
from sqlmodel import Session, col, select

from bot.web.charts import CLASS_COLORS, Bar, Series, hbars, stacked_bars
from handlers.followups.overdue import overdue_where
from handlers.followups.rates import Rates, rates_of
from handlers.policy import Policy
from handlers.vocabulary import CATEGORY_LABELS, CLASS_LABELS, OPEN_STATES, ROLE_LABELS
from storage.models import Ticket

REPORT_CLASSES = ("small", "urgent", "difficult")
WEEK_CHOICES = (4, 12, 26, 52)


@dataclass(frozen=True, slots=True)
class Figures:
    """What the statistics pages draw."""

    weeks: list[date]  # Monday of each week shown, oldest first
    per_week: dict[str, list[int]]  # class → count per week
    categories: list[tuple[str, int]]  # most frequent first
    overdue: list[tuple[str, int]]  # responsible role ("" unknown) → open tickets past due
    open_now: int
    rates: dict[str, Rates] = field(default_factory=dict)  # 本周 / 上周 / 近 N 周

    @property
    def total(self) -> int:
        """Tickets filed in the weeks shown."""
        return sum(sum(v) for v in self.per_week.values())


class FiguresCache:
    """Figures computed within the last ``seconds``, by communities and number of weeks.

    The three rates take a pass in Python over every ticket of the span (most of a second
    for a year of a busy district): figures a minute old are fresh enough for a page view,
    and an anonymous crowd on the public page cannot keep the database counting.
    """

    def __init__(self, seconds: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._entries: dict[tuple[tuple[str, ...], int], tuple[float, Figures]] = {}

    def get(self, codes: Sequence[str], weeks: int, compute: Callable[[], Figures]) -> Figures:
        """The cached figures of ``codes`` over ``weeks``, or ``compute()`` when stale."""
        key = (tuple(codes), weeks)
        found = self._entries.get(key)
        if found is not None and self.clock() - found[0] < self.seconds:
            return found[1]
        fresh = compute()
        if len(self._entries) > 256:  # a district of many communities: forget the oldest
            self._entries.clear()
        self._entries[key] = (self.clock(), fresh)
        return fresh

    def clear(self) -> None:
        """Forget everything (tests that change tickets and look again)."""
        self._entries.clear()


FIGURES = web.AppKey("liufang.web.figures", FiguresCache)


def week_start(now: datetime) -> datetime:
    """Monday 00:00 of ``now``'s week, in ``now``'s zone."""
    monday = now.date() - timedelta(days=now.weekday())
    return datetime.combine(monday, datetime.min.time(), tzinfo=now.tzinfo)


def _local_day(session: Session, now: datetime) -> Function[Any]:
    # Tickets store UTC; a week is counted in local days. The offset is fixed over the span
    # (Asia/Shanghai keeps no summer time), and the day is computed by the database.
    offset = now.utcoffset() or timedelta(0)
    if session.get_bind().dialect.name == "sqlite":
        return func.date(col(Ticket.created_at), f"{int(offset.total_seconds()):+d} seconds")
    # A bound timedelta would be typed as the column (a datetime) and refused: an interval
    # literal of whole seconds instead (an int, nothing to escape).
    seconds = int(offset.total_seconds())
    return func.date(col(Ticket.created_at) + literal_column(f"interval '{seconds} seconds'"))


def figures(
    session: Session, codes: Sequence[str], now: datetime, weeks: int, policy: Policy
) -> Figures:
    """The figures of communities ``codes`` over the last ``weeks`` weeks (this one included)."""
    this_week = week_start(now)
    start = this_week - timedelta(weeks=weeks - 1)
    mondays = [(start + timedelta(weeks=i)).date() for i in range(weeks)]
    mine = col(Ticket.community_code).in_(list(codes))
    filed = (
        mine,
        col(Ticket.created_at) >= start,
        col(Ticket.klass).in_(REPORT_CLASSES),
        col(Ticket.state) != "merged",
    )
    day = _local_day(session, now)
    per_week = {k: [0] * weeks for k in REPORT_CLASSES}
    rows = session.exec(
        select(day, Ticket.klass, func.count()).where(*filed).group_by(day, Ticket.klass)
    ).all()
    for raw_day, klass, n in rows:
        d = raw_day if isinstance(raw_day, date) else date.fromisoformat(str(raw_day)[:10])
        index = (d - mondays[0]).days // 7
        if 0 <= index < weeks:
            per_week[klass][index] += n
    categories = session.exec(
        select(Ticket.category, func.count())
        .where(*filed)
        .group_by(Ticket.category)
        .order_by(func.count().desc())
    ).all()
    open_ = (mine, col(Ticket.state).in_(sorted(OPEN_STATES)))
    late = session.exec(
        select(Ticket.responsible, func.count())
        .where(mine, *overdue_where(session.get_bind().dialect.name, now))
        .group_by(Ticket.responsible)
        .order_by(func.count().desc())
    ).all()
    open_now = session.exec(select(func.count()).select_from(Ticket).where(*open_)).one()
    spans = {
        "本周": (this_week, now),
        "上周": (this_week - timedelta(weeks=1), this_week),
        f"近{weeks}周": (start, now),
    }
    return Figures(
        weeks=mondays,
        per_week=per_week,
        categories=[(c, n) for c, n in categories],
        overdue=[(r or "", n) for r, n in late],
        open_now=open_now,
        rates={
            name: rates_of(session, codes, a, b, policy, now) for name, (a, b) in spans.items()
        },
    )


def stats_charts(fig: Figures, with_overdue: bool = True) -> dict[str, Markup | None]:
    """The SVG charts of the statistics pages."""
    columns = [f"{d.month}/{d.day}" for d in fig.weeks]
    series = [Series(CLASS_LABELS[k], CLASS_COLORS[k], v) for k, v in fig.per_week.items()]
    total = sum(n for _, n in fig.categories) or 1
    categories = [
        Bar(CATEGORY_LABELS.get(c, c), n, f"{n}（{round(100 * n / total)}%）")
        for c, n in fig.categories
    ]
    span = list(fig.rates)[-1]
    r = fig.rates[span]
    rates = [
        Bar(label, rate.value or 0.0, rate.label())
        for label, rate in (
            ("响应率", r.response),
            ("解决率", r.resolution),
            ("满意率", r.satisfaction),
        )
    ]
    overdue = [Bar(ROLE_LABELS.get(role, "未指定"), n, str(n)) for role, n in fig.overdue]
    return {
        "per_week": stacked_bars("每周报事数（按类型）", columns, series),
        "rates": hbars(f"{span}三率", rates, "#3f8f5f", scale=1.0),
        "categories": hbars("类别分布", categories),
        "overdue": hbars("超期工单（按负责方）", overdue, "#c9302c")
        if with_overdue and overdue
        else None,
    }


def parse_weeks(value: str) -> int:
    """A week span among the choices; 12 otherwise."""
    return int(value) if value.isdigit() and int(value) in WEEK_CHOICES else 12
