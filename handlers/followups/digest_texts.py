"""The texts of the digests: the daily brief and the weekly report (see ``digests``)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from sqlmodel import Session

from handlers.commands.parser import ticket_ref
from handlers.followups.overdue import is_overdue
from handlers.followups.rates import Rates
from handlers.policy import WEEKDAYS_CN, Policy
from handlers.teams.hours import hours_text
from handlers.vocabulary import CATEGORY_LABELS, CLASS_LABELS, OPEN_STATES
from storage import digests as digest_queries
from storage.checks import zone_of
from storage.volunteers.ledger import served_between

SHOWN_IDS = 5  # ticket numbers listed per line; the rest are counted
TOP = 3  # busiest categories and grids in the weekly report


def day_label(d: date) -> str:
    return f"{d.month}月{d.day}日（{WEEKDAYS_CN[d.weekday()]}）"


def _numbers(ids: list[int]) -> str:
    shown = "、".join(ticket_ref(i) for i in ids[:SHOWN_IDS])
    return shown + (" 等" if len(ids) > SHOWN_IDS else "")


def _by_class(counts: Counter[str]) -> str:
    return "、".join(f"{CLASS_LABELS[k]} {counts[k]}" for k in ("urgent", "small", "difficult"))


def daily_text(
    session: Session, community: str, start: datetime, end: datetime, now: datetime, policy: Policy
) -> str | None:
    """The morning brief: new since the last one, open by class, overdue, due today; None
    when there is nothing at all to say."""
    tz = zone_of(now)
    rows = digest_queries.open_or_filed_since(session, community, start, OPEN_STATES)
    new: Counter[str] = Counter()
    open_: Counter[str] = Counter()
    overdue: list[int] = []
    due_today: list[int] = []
    tomorrow = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), now.tzinfo)
    for t in rows:
        if start <= t.created_at < end:
            new[t.klass] += 1
        if t.state not in OPEN_STATES:
            continue
        open_[t.klass] += 1
        if is_overdue(t, now, policy, tz):
            overdue.append(t.id or 0)
        elif t.due_at is not None and t.due_at < tomorrow:
            due_today.append(t.id or 0)
    if not new and not open_:
        return None
    since = start.astimezone(tz).date()
    span = "昨日" if since == now.date() - timedelta(days=1) else f"{day_label(since)}以来"
    lines = [
        f"【每日简报】{day_label(now.date())}",
        f"{span}新报事 {sum(new.values())} 件（{_by_class(new)}）",
        f"未办结 {sum(open_.values())} 件（{_by_class(open_)}）",
        f"超期 {len(overdue)} 件" + (f"：{_numbers(overdue)}" if overdue else ""),
        f"今天到期 {len(due_today)} 件" + (f"：{_numbers(due_today)}" if due_today else ""),
    ]
    return "\n".join(lines)


def weekly_text(
    session: Session, community: str, start: datetime, end: datetime, rates: Rates
) -> str | None:
    """The Monday report: the week's reports, the three rates, the busiest categories and grids;
    None for a week with nothing to report."""
    rows = digest_queries.filed_in(session, community, start, end)
    classes = Counter(klass for klass, _c, _g in rows)
    categories = Counter(CATEGORY_LABELS.get(c, "其他") for _k, c, _g in rows)
    grids = Counter(g for _k, _c, g in rows if g)
    served, services = served_between(session, community, start, end)
    if (
        not rows
        and not services
        and not any(r.total for r in (rates.response, rates.resolution, rates.satisfaction))
    ):
        return None  # a quiet week: no rows of zeros
    last = end.date() - timedelta(days=1)
    lines = [
        f"【周报】{day_label(start.date())}至{day_label(last)}",
        f"新报事 {len(rows)} 件（{_by_class(classes)}）",
        f"响应率 {rates.response.label()}　解决率 {rates.resolution.label()}"
        f"　满意率 {rates.satisfaction.label()}",
    ]
    if categories:
        top = "、".join(f"{name} {n}" for name, n in categories.most_common(TOP))
        lines.append(f"报事最多的类别：{top}")
    if grids:
        lines.append("报事最多的网格：" + "、".join(f"{g} {n}" for g, n in grids.most_common(TOP)))
    if services:
        lines.append(f"志愿服务 {hours_text(served)}（{services} 次，已确认）")
    return "\n".join(lines)
