"""Digests for each six-party group: a short daily one and a Monday weekly report with rates.

Timing comes from the injected clock (so console time travel and tests move through days): the
scheduler only asks :class:`DigestStep` often. Only the *current* period is ever posted —
today's daily digest once its time has come, this week's report once its day and time have
come — so after a short downtime a community gets the latest missed digest, not one per missed
day. ``[digests]`` decides the days: by default the daily brief goes out on working days only
(Chinese holidays and adjusted working weekends by ``handlers.workdays``), covering everything
since the previous brief, and a weekly report whose day is a holiday waits for the next
working day. A period with nothing to report (no reports, nothing open, no rates) is passed
over in silence.

The bot never opens with a catch-up: at its first start in a community the digests already due
are marked done without a word, and when it starts after a long downtime
(``long_downtime_hours``) it posts one short 「我回来了，期间有 N 件待办」 instead of them.
A ``DigestRun(community, "seen", "last")`` row, updated on every run, remembers when the bot
last ran. ``DigestRun`` rows, unique and written in the same transaction as the message, make a
restart, a catch-up or a second worker post nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from handlers.context import Services
from handlers.events import Reply
from handlers.followups.digest_texts import daily_text, weekly_text
from handlers.followups.engine import enqueue_replies
from handlers.followups.rates import weekly_rates
from handlers.vocabulary import OPEN_STATES
from handlers.workdays import is_workday
from storage import digests as digest_runs
from storage.db import Database
from storage.models import DigestRun

SEEN = ("seen", "last")  # the DigestRun kind and period that remember the last run
BACK_LOOK = 31  # days searched for the previous working day (the longest holiday is 8)


@dataclass(frozen=True, slots=True)
class Period:
    """One digest to post: its kind, its key, and the span of time it reports on."""

    kind: str  # daily | weekly
    key: str  # 2026-11-26 | 2026-W48
    start: datetime
    end: datetime


def due_periods(now: datetime, services: Services) -> list[Period]:
    """The digests whose time has come in the current day and week (local time)."""
    rules, days = services.policy.followups, services.policy.digests
    tz = now.tzinfo
    today = now.date()
    periods = []
    daily_at = datetime.combine(today, rules.daily_digest_at, tzinfo=tz)
    if now >= daily_at and _posts_on(today, days.daily):
        since = today - timedelta(days=1)
        if days.daily == "workdays":  # after a holiday: everything since the last brief
            while not is_workday(since) and (today - since).days < BACK_LOOK:
                since -= timedelta(days=1)
        start = datetime.combine(since, rules.daily_digest_at, tzinfo=tz)
        periods.append(Period("daily", today.isoformat(), start, daily_at))
    back = (today.weekday() - (rules.weekly_digest_weekday - 1)) % 7
    this_week = today - timedelta(days=back)
    for report_day in (this_week - timedelta(days=7), this_week):
        posted_on = _report_date(report_day, days.weekly)
        if posted_on is None or posted_on > today:
            continue
        if report_day < this_week and posted_on < this_week:
            continue  # last week's report went out last week: only the current one is due
        if now < datetime.combine(posted_on, rules.weekly_digest_at, tzinfo=tz):
            continue
        end = datetime.combine(report_day, datetime.min.time(), tzinfo=tz)
        start = end - timedelta(days=7)
        year, week, _ = start.date().isocalendar()
        periods.append(Period("weekly", f"{year}-W{week:02d}", start, end))
    return periods


def _report_date(report_day: date, rule: str) -> date | None:
    """When the report due on ``report_day`` goes out: a holiday moves it to the next working
    day (a week-long Spring Festival into the following week); None when reports are off."""
    if rule == "off":
        return None
    day = report_day
    if rule == "workdays":
        while not is_workday(day) and (day - report_day).days < BACK_LOOK:
            day += timedelta(days=1)
    return day


def _posts_on(day: date, rule: str) -> bool:
    return rule == "every_day" or (rule == "workdays" and is_workday(day))


class DigestStep:
    """The scheduler's digest step; knows whether it is the first run since the bot started."""

    def __init__(self, db: Database, services: Services) -> None:
        """Nothing runs until the scheduler calls the step."""
        self._db = db
        self._services = services
        self._started = False

    def __call__(self) -> int:
        """Post what is due (see :func:`post_due_digests`); returns how many messages."""
        starting, self._started = not self._started, True
        return post_due_digests(self._db, self._services, starting=starting)


def post_due_digests(db: Database, services: Services, *, starting: bool = False) -> int:
    """Post every digest that is due and not yet posted; returns how many were posted.

    ``starting`` is the first run since the bot started: a long downtime before it turns the
    due digests into one 「我回来了」 line. A community the bot has never run for gets nothing.
    """
    now = services.clock()
    periods = due_periods(now, services)
    posted = 0
    with db.session() as session:
        rooms = digest_runs.six_party_rooms(session)
        last_seen = _last_seen(session)
        keys = [p.key for p in periods]
        done = digest_runs.runs_done(session, keys)
        # A community that has never had a ticket has nothing to report: a fresh install
        # should not greet its groups with rows of zeros.
        active = digest_runs.communities_with_tickets(session)
        for community, room in sorted(rooms.items()):
            seen = last_seen.get(community)
            _mark_seen(session, community, seen, now)
            away = now - seen if seen is not None else None
            back = starting and away is not None and away >= services.policy.digests.long_downtime
            if back and away is not None and community in active:
                enqueue_replies(
                    session,
                    [Reply(_back_text(session, community, away), room_id=room, followup=True)],
                    now,
                )
                posted += 1
            for period in periods:
                if (community, period.kind, period.key) in done:
                    continue
                text = None
                if seen is not None and not back and community in active:
                    text = _text(session, community, period, now, services)
                if not _claim(session, community, period, now):
                    continue  # another worker posted it a moment ago
                if text is not None:
                    enqueue_replies(session, [Reply(text, room_id=room, followup=True)], now)
                    posted += 1
        session.commit()
    return posted


def _last_seen(session: Session) -> dict[str, datetime]:
    """When the bot last ran, per community: its "seen" row, else its latest digest."""
    return digest_runs.latest_run_at(session)


def _mark_seen(session: Session, community: str, seen: datetime | None, now: datetime) -> None:
    if seen is not None and seen >= now:
        return  # the console travelled back in time: keep the later mark
    kind, period = SEEN
    row = digest_runs.run_of(session, community, kind, period)
    if row is not None:
        row.at = now
        session.add(row)
        return
    try:
        with session.begin_nested():
            session.add(DigestRun(community_code=community, kind=kind, period=period, at=now))
    except IntegrityError:
        pass  # a second worker marked it at the same moment


def _claim(session: Session, community: str, period: Period, now: datetime) -> bool:
    """Record the period as done (posted, or passed over); False when another worker did."""
    try:
        with session.begin_nested():
            session.add(
                DigestRun(community_code=community, kind=period.kind, period=period.key, at=now)
            )
    except IntegrityError:
        return False
    return True


def _back_text(session: Session, community: str, away: timedelta) -> str:
    hours = int(away.total_seconds() // 3600)
    span = f"{hours} 小时" if hours < 48 else f"{hours // 24} 天"
    todo = digest_runs.open_ticket_count(session, community, OPEN_STATES)
    if not todo:
        return f"我回来了（离线约 {span}），期间没有待办。"
    return f"我回来了（离线约 {span}），期间有 {todo} 件待办，发「统计」查看。"


def _text(
    session: Session, community: str, period: Period, now: datetime, s: Services
) -> str | None:
    if period.kind == "daily":
        return daily_text(session, community, period.start, period.end, now, s.policy)
    rates = weekly_rates(session, community, period.start, period.end, s.policy, now)
    return weekly_text(session, community, period.start, period.end, rates)
