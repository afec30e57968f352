"""The app under leadership on PostgreSQL: a leader that loses its database stops sending at
its own deadline and leaves (LeadershipLost, exit 75); a standby serves but does not send."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from bot.app import App, LeadershipLost
from bot.config import load_settings
from bot.config_ops import HaSettings
from bot.leader import EXIT_DEPOSED
from storage.db import Database
from tests.support.db import POSTGRES_SKIP_REASON, postgres_db, postgres_url
from tests.support.fakes import RecordingChannel
from tests.support.harness import EXAMPLE_CONFIG, FakeClock, shared_nlp


@pytest.fixture
def pg_url() -> str:
    url = postgres_url()
    if url is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    with postgres_db(url) as db:
        yield db.url


def _app(url: str, channel: RecordingChannel) -> App:
    settings = load_settings(EXAMPLE_CONFIG, env={"LIUFANG_DATABASE_URL": url})
    settings = dataclasses.replace(settings, ha=HaSettings(lease_seconds=3, check_seconds=1))
    return App(settings, channel, clock=FakeClock(), nlp=shared_nlp())


async def test_a_leader_cut_off_from_its_database_stops_sending_and_leaves(pg_url: str) -> None:
    channel = RecordingChannel()
    app = _app(pg_url, channel)
    running = asyncio.create_task(app.run())
    await asyncio.wait_for(app.leadership.first_check.wait(), 10)
    assert app.leadership.role == "leader"
    said_before = len(channel.said)
    # The network to the database goes: renewals fail from now on.
    app.leadership.lease._db = Database("postgresql://nobody@127.0.0.1:1/none?connect_timeout=1")
    with pytest.raises(LeadershipLost) as lost:
        await asyncio.wait_for(running, 15)
    assert lost.value.exit_status == EXIT_DEPOSED
    assert app.leadership.role == "standby" and app.deposed
    # Fenced: a reply queued now is not sent by this process.
    await app.queue_replies([])
    assert await app.sender.flush() == 0 and len(channel.said) == said_before


async def test_a_standby_serves_but_never_sends(pg_url: str) -> None:
    leader_channel, standby_channel = RecordingChannel(), RecordingChannel()
    leader = _app(pg_url, leader_channel)
    await leader.start()
    standby = _app(pg_url, standby_channel)
    await standby.start()
    try:
        assert (leader.leadership.role, standby.leadership.role) == ("leader", "standby")
        report = standby.channel_badge()
        assert report == ("standby", "备用实例（主实例在发送）")
        event = _report_event(standby)
        await standby.on_inbound(event)  # a write on the standby (as Open311 would do)
        assert standby_channel.said == []
        await leader.sender.flush()  # the leader sends what the standby wrote
        assert any("路灯" in s for s in leader_channel.said)
    finally:
        await standby.stop()
        await leader.stop()


def _report_event(app: App) -> object:
    from bot.channels.console import ConsoleChannel

    event = ConsoleChannel(app.settings, app.clock).parse(
        "[毛塘路1网格] 刘阿姨: 3栋2单元门口的路灯坏了，晚上很黑"
    )
    assert event is not None
    return event
