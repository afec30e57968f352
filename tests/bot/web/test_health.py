"""/healthz and /metrics on the running app: no log-in, JSON and Prometheus text, every series
``liufang_``; the dashboard header shows the channel's state."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.channels.base import ChannelStatus
from bot.health import Health
from storage.db import Database
from storage.outbox import enqueue
from tests.support.db import T0
from tests.support.web import SimulatorSite

G1 = "room-maotang-g1"
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")


@pytest.fixture
async def site(database: Database, tmp_path: Path) -> AsyncIterator[SimulatorSite]:
    s = await SimulatorSite.start(tmp_path, database_url=database.url)
    yield s
    await s.close()


def _series(text: str) -> dict[str, float]:
    """Prometheus text -> {name{labels}: value}."""
    found = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, line
        found[m[1] + (m[2] or "")] = float(m[3])
    return found


async def test_healthz_answers_without_a_login(site: SimulatorSite) -> None:
    async with site.http.get(site.url("/healthz")) as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["status"] == "ok" and body["role"] == "leader" and body["db"] == "ok"
    assert body["channel"]["kind"] == "simulator" and body["channel"]["logged_in"] is True
    assert body["channel"]["label"] == "已连接"
    assert isinstance(body["outbox_pending"], int) and body["scheduler_lag_s"] >= 0
    assert resp.headers["Cache-Control"] == "no-store"


async def test_metrics_count_messages_tickets_and_sends(site: SimulatorSite) -> None:
    await site.login()
    status, _ = await site.send(G1, "wx-mt-li", "3栋2单元门口的路灯坏了好几天了")
    assert status == 200
    await site.app.scheduler.run_due()
    async with site.http.get(site.url("/metrics")) as resp:
        assert resp.status == 200 and resp.content_type == "text/plain"
        series = _series(await resp.text())
    assert all(name.startswith("liufang_") for name in series), sorted(series)
    assert series['liufang_messages_in_total{kind="text"}'] == 1
    assert series['liufang_tickets{class="small"}'] == 1
    assert series['liufang_tickets_open{class="small"}'] == 1
    assert series["liufang_outbox_sent_total"] >= 2  # the receipt and the card
    assert series["liufang_outbox_depth"] == 0
    assert series["liufang_channel_connected"] == 1 and series["liufang_leader"] == 1
    assert series["liufang_sweep_duration_seconds_count"] >= 1
    assert "liufang_alert_latency_seconds_count" in series


async def test_the_metrics_need_no_session_but_the_dashboard_does(site: SimulatorSite) -> None:
    async with site.http.get(site.url("/metrics"), allow_redirects=False) as resp:
        assert resp.status == 200
    async with site.http.get(site.url("/"), allow_redirects=False) as resp:
        assert resp.status == 302 and resp.headers["Location"].startswith("/login")


async def test_the_dashboard_header_shows_the_channel(site: SimulatorSite) -> None:
    await site.login()
    async with site.http.get(site.url("/")) as resp:
        page = await resp.text()
    assert 'class="channel channel-ok"' in page and "微信：已连接" in page
    site.channel.status = lambda: ChannelStatus("wechat", False, needs_scan=True)  # type: ignore[attr-defined]
    async with site.http.get(site.url("/")) as resp:
        assert "微信：需要扫码" in await resp.text()
    site.channel.status = lambda: ChannelStatus("wechat", False, offline_seconds=7 * 60 + 5)  # type: ignore[attr-defined]
    async with site.http.get(site.url("/")) as resp:
        assert "微信：已掉线 7 分钟" in await resp.text()
    async with site.http.get(site.url("/healthz")) as resp:
        body = await resp.json()
    assert resp.status == 200 and body["status"] == "degraded"  # serving, but not speaking
    assert body["problems"] == ["微信已掉线 7 分钟"]


async def test_a_database_that_does_not_answer_is_down(
    tmp_path: Path, site: SimulatorSite
) -> None:
    broken = Database("postgresql://nobody@127.0.0.1:1/none?connect_timeout=1")
    site.app.health._db = broken  # the database went away under the running app
    async with site.http.get(site.url("/healthz")) as resp:
        assert resp.status == 503
        body = await resp.json()
    assert body["status"] == "down" and body["db"].startswith("error:")
    assert body["outbox_pending"] is None


def test_stuck_outbox_and_a_late_scheduler_are_degraded(sqlite_database: Database) -> None:
    with sqlite_database.session() as session:
        enqueue(session, room_id="r1", to_id=None, text="x", mention_ids=(), now=T0)
        session.commit()
    ticks = [1000.0]
    clock_now = [T0 + timedelta(minutes=5)]
    health = Health(
        sqlite_database,
        object(),
        lambda: clock_now[0],
        role=lambda: "leader",
        last_run=lambda: 1000.0,
        run_interval=20,
        stuck_after_s=600,
        monotonic=lambda: ticks[0],
    )
    report = health.check()
    assert report.status == "ok" and report.outbox_pending == 1
    assert report.outbox_oldest_due_s == 300
    clock_now[0] = T0 + timedelta(minutes=11)
    ticks[0] = 1000.0 + 20 + 61  # the scheduler missed three runs and a second
    report = health.check()
    assert report.status == "degraded"
    assert report.problems == ("待发消息已积压 11 分钟", "定时任务已落后 61 秒")


def test_a_standby_is_not_blamed_for_its_channel(sqlite_database: Database) -> None:
    class Offline:
        def status(self) -> ChannelStatus:
            return ChannelStatus("wechat", False, offline_seconds=3600)

    health = Health(
        sqlite_database,
        Offline(),
        lambda: T0,
        role=lambda: "standby",
        last_run=lambda: None,
        run_interval=20,
        stuck_after_s=600,
    )
    report = health.check()
    assert report.status == "ok" and report.scheduler_lag_s is None
