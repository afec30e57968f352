"""Digests for each six-party group: a short daily one and a Monday weekly report with rates.

Timing comes from the injected clock (so console time travel and tests move through days): the
scheduler only asks :func:`post_due_digests` often. Only the *current* period is ever posted —
today's daily digest once its time has come, this week's report once its day and time have
come — so after downtime a community gets the latest missed digest, not one per missed day. A
``DigestRun(community, kind, period)`` row, unique and written in the same transaction as the
message, makes a restart, a catch-up or a second worker post nothing twice.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from handlers.context import Services
from handlers.events import Reply
from handlers.followups.engine import enqueue_replies
from handlers.followups.rates import Rates, weekly_rates
from handlers.policy import WEEKDAYS_CN
from handlers.vocabulary import CATEGORY_LABELS, CLASS_LABELS, OPEN_STATES
from storage.db import Database
from storage.models import DigestRun, Group, Ticket

SHOWN_IDS = 5  # ticket numbers listed per line; the rest are counted
TOP = 3  # busiest categories and grids in the weekly report


@dataclass(frozen=True, slots=True)
class Period:
    """One digest to post: its kind, its key, and the span of time it reports on."""

    kind: str  # daily | weekly
    key: str  # 2026-11-26 | 2026-W48
    start: datetime
    end: datetime


def due_periods(now: datetime, services: Services) -> list[Period]:
    """The digests whose time has come in the current day and week (local time)."""
    rules = services.policy.followups
    tz = now.tzinfo
    today = now.date()
    periods = []
    daily_at = datetime.combine(today, rules.daily_digest_at, tzinfo=tz)
    if now >= daily_at:
        periods.append(Period("daily", today.isoformat(), daily_at - timedelta(days=1), daily_at))
    back = (today.weekday() - (rules.weekly_digest_weekday - 1)) % 7
    report_day = today - timedelta(days=back)
    if now >= datetime.combine(report_day, rules.weekly_digest_at, tzinfo=tz):
        end = datetime.combine(report_day, datetime.min.time(), tzinfo=tz)
        start = end - timedelta(days=7)
        year, week, _ = start.date().isocalendar()
        periods.append(Period("weekly", f"{year}-W{week:02d}", start, end))
    return periods


def post_due_digests(db: Database, services: Services) -> int:
    """Post every digest that is due and not yet posted; returns how many were posted."""
    now = services.clock()
    periods = due_periods(now, services)
    if not periods:
        return 0
    posted = 0
    with db.session() as session:
        rooms = dict(
            session.exec(
                select(Group.community_code, Group.room_id).where(Group.kind == "six_party")
            ).all()
        )
        done = set(
            session.exec(
                select(DigestRun.community_code, DigestRun.kind, DigestRun.period).where(
                    col(DigestRun.period).in_([p.key for p in periods])
                )
            ).all()
        )
        # A community that has never had a ticket has nothing to report: a fresh install
        # should not greet its groups with rows of zeros.
        active = set(session.exec(select(Ticket.community_code).distinct()).all())
        for community, room in sorted(rooms.items()):
            if community not in active:
                continue
            for period in periods:
                if (community, period.kind, period.key) in done:
                    continue
                text = _text(session, community, period, now, services)
                try:
                    with session.begin_nested():
                        session.add(
                            DigestRun(
                                community_code=community,
                                kind=period.kind,
                                period=period.key,
                                at=now,
                            )
                        )
                except IntegrityError:
                    continue  # another worker posted it a moment ago
                enqueue_replies(session, [Reply(text, room_id=room, followup=True)], now)
                posted += 1
        session.commit()
    return posted


def _text(session: Session, community: str, period: Period, now: datetime, s: Services) -> str:
    if period.kind == "daily":
        return daily_text(session, community, period, now)
    rates = weekly_rates(session, community, period.start, period.end, s.policy)
    return weekly_text(session, community, period, rates)


def _day(d: date) -> str:
    return f"{d.month}月{d.day}日（{WEEKDAYS_CN[d.weekday()]}）"


def _numbers(ids: list[int]) -> str:
    shown = "、".join(f"T{i}" for i in ids[:SHOWN_IDS])
    return shown + (" 等" if len(ids) > SHOWN_IDS else "")


def _by_class(counts: Counter[str]) -> str:
    return "、".join(f"{CLASS_LABELS[k]} {counts[k]}" for k in ("urgent", "small", "difficult"))


def daily_text(session: Session, community: str, period: Period, now: datetime) -> str:
    """The morning digest: new since yesterday, open by class, overdue, due today."""
    rows = session.exec(
        select(Ticket.id, Ticket.klass, Ticket.state, Ticket.created_at, Ticket.due_at)
        .where(
            Ticket.community_code == community,
            col(Ticket.state).in_(OPEN_STATES) | (col(Ticket.created_at) >= period.start),
        )
        .order_by(col(Ticket.due_at), col(Ticket.id))
    ).all()
    new: Counter[str] = Counter()
    open_: Counter[str] = Counter()
    overdue: list[int] = []
    due_today: list[int] = []
    tomorrow = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), now.tzinfo)
    for ticket_id, klass, state, created_at, due_at in rows:
        if period.start <= created_at < period.end:
            new[klass] += 1
        if state not in OPEN_STATES:
            continue
        open_[klass] += 1
        if due_at is not None and due_at < now:
            overdue.append(ticket_id)
        elif due_at is not None and due_at < tomorrow:
            due_today.append(ticket_id)
    lines = [
        f"【每日简报】{_day(now.date())}",
        f"昨日新报事 {sum(new.values())} 件（{_by_class(new)}）",
        f"未办结 {sum(open_.values())} 件（{_by_class(open_)}）",
        f"超期 {len(overdue)} 件" + (f"：{_numbers(overdue)}" if overdue else ""),
        f"今天到期 {len(due_today)} 件" + (f"：{_numbers(due_today)}" if due_today else ""),
    ]
    return "\n".join(lines)


def weekly_text(session: Session, community: str, period: Period, rates: Rates) -> str:
    """The Monday report: the week's reports, the three rates, the busiest categories and grids."""
    rows = session.exec(
        select(Ticket.klass, Ticket.category, Ticket.grid)
        .where(
            Ticket.community_code == community,
            col(Ticket.created_at) >= period.start,
            col(Ticket.created_at) < period.end,
        )
        .order_by(col(Ticket.id))  # ties in the top lists go to what was reported first
    ).all()
    classes = Counter(klass for klass, _c, _g in rows)
    categories = Counter(CATEGORY_LABELS.get(c, "其他") for _k, c, _g in rows)
    grids = Counter(g for _k, _c, g in rows if g)
    last = period.end.date() - timedelta(days=1)
    lines = [
        f"【周报】{_day(period.start.date())}至{_day(last)}",
        f"新报事 {len(rows)} 件（{_by_class(classes)}）",
        f"响应率 {rates.response.label()}　解决率 {rates.resolution.label()}"
        f"　满意率 {rates.satisfaction.label()}",
    ]
    if categories:
        top = "、".join(f"{name} {n}" for name, n in categories.most_common(TOP))
        lines.append(f"报事最多的类别：{top}")
    if grids:
        lines.append("报事最多的网格：" + "、".join(f"{g} {n}" for g, n in grids.most_common(TOP)))
    return "\n".join(lines)
