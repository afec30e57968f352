"""What /healthz reports: role, database, channel, outbox and scheduler, and one verdict.

``down`` (HTTP 503) means the process cannot serve: the database does not answer.
``degraded`` means it serves but something needs a person: the leader's channel is not logged
in, due outbox rows have waited longer than ``[alerts] outbox_stuck_minutes``, or the
scheduler has not run for several intervals. A standby does not speak in WeChat, so its
channel is not held against it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select

from bot.channels.base import ChannelStatus, channel_status
from storage.db import Database
from storage.models import OutboxMessage

SCHEDULER_LATE_RUNS = 3  # this many intervals without a scheduler run is degraded


@dataclass(frozen=True, slots=True)
class OutboxState:
    """Undelivered rows, and how long the oldest one that is due has waited."""

    pending: int
    oldest_due_age_s: float | None


@dataclass(frozen=True, slots=True)
class HealthReport:
    """One answer of /healthz."""

    status: str  # ok | degraded | down
    role: str  # leader | standby
    db: str  # "ok" or what went wrong
    channel: ChannelStatus
    outbox_pending: int | None
    outbox_oldest_due_s: float | None
    scheduler_lag_s: float | None
    problems: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The JSON body: channel as {kind, logged_in, last_event_age_s, …}."""
        body = asdict(self)
        body["channel"] = {
            "kind": self.channel.kind,
            "logged_in": self.channel.logged_in,
            "needs_scan": self.channel.needs_scan,
            "offline_s": _round(self.channel.offline_seconds),
            "last_event_age_s": _round(self.channel.last_event_age_s),
            "label": self.channel.label,
        }
        body["problems"] = list(self.problems)
        for key in ("outbox_oldest_due_s", "scheduler_lag_s"):
            body[key] = _round(body[key])
        return body


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def outbox_state(db: Database, now: datetime) -> OutboxState:
    """Count the undelivered rows and age the oldest due one (blocking)."""
    pending_q = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(col(OutboxMessage.delivered_at).is_(None), col(OutboxMessage.dead_at).is_(None))
    )
    oldest_q = select(func.min(OutboxMessage.not_before)).where(
        col(OutboxMessage.delivered_at).is_(None),
        col(OutboxMessage.not_before) <= now,
        col(OutboxMessage.dead_at).is_(None),
    )
    with db.engine.connect() as conn:
        pending = int(conn.execute(pending_q).scalar_one())
        oldest = conn.execute(oldest_q).scalar_one_or_none()
    age = None if oldest is None else max(0.0, (now - oldest).total_seconds())
    return OutboxState(pending, age)


class Health:
    """Builds health reports for one running process (call :meth:`check` off the event loop)."""

    def __init__(
        self,
        db: Database,
        channel: object,
        clock: Callable[[], datetime],
        *,
        role: Callable[[], str],
        last_run: Callable[[], float | None],
        run_interval: float,
        stuck_after_s: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._channel = channel
        self._clock = clock
        self._role = role
        self._last_run = last_run
        self._interval = run_interval
        self._stuck_after = stuck_after_s
        self._monotonic = monotonic
        self._born = monotonic()

    def scheduler_lag(self) -> float | None:
        """Seconds the scheduler is behind its interval (0 when on time); None on a standby."""
        if self._role() != "leader":
            return None
        last = self._last_run()
        since = self._monotonic() - (last if last is not None else self._born)
        return max(0.0, since - self._interval)

    def check(self) -> HealthReport:
        """Look at everything once and give the verdict."""
        role = self._role()
        channel = channel_status(self._channel)
        problems: list[str] = []
        try:
            with self._db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            box: OutboxState | None = outbox_state(self._db, self._clock())
            db = "ok"
        except SQLAlchemyError as exc:  # reported in the verdict (and so alerted)
            box, db = None, f"error: {type(exc).__name__}: {str(exc)[:200]}"
        lag = self.scheduler_lag()
        if db != "ok":
            status = "down"
            problems.append("数据库无法连接")
        else:
            if role == "leader" and not channel.logged_in:
                problems.append(f"微信{channel.label}")
            if box is not None and (box.oldest_due_age_s or 0) > self._stuck_after:
                problems.append(f"待发消息已积压 {int(box.oldest_due_age_s or 0) // 60} 分钟")
            if lag is not None and lag > SCHEDULER_LATE_RUNS * self._interval:
                problems.append(f"定时任务已落后 {int(lag)} 秒")
            status = "degraded" if problems else "ok"
        return HealthReport(
            status=status,
            role=role,
            db=db,
            channel=channel,
            outbox_pending=None if box is None else box.pending,
            outbox_oldest_due_s=None if box is None else box.oldest_due_age_s,
            scheduler_lag_s=lag,
            problems=tuple(problems),
        )
