"""Prometheus metrics of one process; every series is named ``liufang_…``.

Counters and histograms are fed where things happen (the app counts received messages, the
sender sent rows, failures and urgent alert latency, the scheduler its sweeps); gauges that the
database knows (outbox depth, tickets by class) are read when scraped, at most every
``DB_CACHE_SECONDS``. Each process has its own registry, so tests can run many apps.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select

from bot.channels.base import channel_status
from bot.delivery.plan import Outgoing
from storage.db import Database
from storage.models import OutboxMessage, Ticket

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
DB_CACHE_SECONDS = 10.0
LATENCY_BUCKETS = (1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800)


class _DatabaseGauges(Collector):
    """Outbox depth and tickets by class, read from the database when scraped (cached)."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock
        self._cached_at = -1e9
        self._values: tuple[int, int, dict[str, int], dict[str, int]] = (0, 0, {}, {})

    def _read(self) -> tuple[int, int, dict[str, int], dict[str, int]]:
        now = time.monotonic()
        if now - self._cached_at < DB_CACHE_SECONDS:
            return self._values
        # Dead letters wait for nobody: the dashboard lists them instead.
        delivered, dead = col(OutboxMessage.delivered_at), col(OutboxMessage.dead_at)
        undelivered = delivered.is_(None) & dead.is_(None)
        with self._db.engine.connect() as conn:
            depth = conn.execute(
                select(func.count()).select_from(OutboxMessage).where(undelivered)
            ).scalar_one()
            due = conn.execute(
                select(func.count())
                .select_from(OutboxMessage)
                .where(undelivered, col(OutboxMessage.not_before) <= self._clock())
            ).scalar_one()
            rows = conn.execute(
                select(Ticket.klass, Ticket.state, func.count()).group_by(
                    Ticket.klass, Ticket.state
                )
            ).all()
        total: dict[str, int] = {}
        open_: dict[str, int] = {}
        for klass, state, n in rows:
            total[klass] = total.get(klass, 0) + n
            if state not in ("closed", "merged", "rejected", "resolved"):
                open_[klass] = open_.get(klass, 0) + n
        self._values = (int(depth), int(due), total, open_)
        self._cached_at = now
        return self._values

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield the gauges; a database that does not answer yields none (healthz says why)."""
        try:
            depth, due, total, open_ = self._read()
        except SQLAlchemyError as exc:
            log.info("metrics: the database did not answer: %s", exc)
            return
        yield GaugeMetricFamily("liufang_outbox_depth", "Undelivered outbox rows", value=depth)
        yield GaugeMetricFamily("liufang_outbox_due", "Outbox rows due to be sent now", value=due)
        tickets = GaugeMetricFamily("liufang_tickets", "Tickets by class", labels=["class"])
        opened = GaugeMetricFamily(
            "liufang_tickets_open", "Open tickets by class", labels=["class"]
        )
        for klass in ("small", "urgent", "difficult"):
            tickets.add_metric([klass], total.get(klass, 0))
            opened.add_metric([klass], open_.get(klass, 0))
        yield tickets
        yield opened


class Metrics:
    """The process's series; ``render`` gives the Prometheus text format."""

    def __init__(
        self,
        db: Database,
        channel: object,
        clock: Callable[[], datetime],
        *,
        is_leader: Callable[[], bool],
    ) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.messages_in = Counter(
            "liufang_messages_in", "Messages received, by kind", ["kind"], registry=r
        )
        self.sent = Counter("liufang_outbox_sent", "Outbox rows delivered", registry=r)
        self.send_failures = Counter(
            "liufang_outbox_send_failures", "Failed send attempts", registry=r
        )
        self.alert_latency = Histogram(
            "liufang_alert_latency_seconds",
            "From an urgent row being written to it being sent",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.sweep = Histogram(
            "liufang_sweep_duration_seconds",
            "One scheduler run (meetings, follow-up sweep, digests)",
            registry=r,
        )
        self.alerts = Counter(
            "liufang_alerts_sent", "Out-of-band alerts sent, by kind", ["kind"], registry=r
        )
        connected = Gauge(
            "liufang_channel_connected", "1 when the chat channel is logged in", registry=r
        )
        connected.set_function(lambda: 1.0 if channel_status(channel).logged_in else 0.0)
        leader = Gauge("liufang_leader", "1 on the leader, 0 on a standby", registry=r)
        leader.set_function(lambda: 1.0 if is_leader() else 0.0)
        r.register(_DatabaseGauges(db, clock))

    def delivered(self, message: Outgoing, now: datetime) -> None:
        """A message went out (the sender's observer); urgent ones time the alert latency."""
        self.sent.inc(len(message.row_ids))
        if message.urgent and message.created_at is not None:
            self.alert_latency.observe(max(0.0, (now - message.created_at).total_seconds()))

    def failed(self) -> None:
        """A send attempt failed (the sender's observer)."""
        self.send_failures.inc()

    def render(self) -> bytes:
        """The Prometheus text exposition of every series."""
        return generate_latest(self.registry)
