"""The scheduler: steps in order off the event loop, never overlapping, errors logged."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from bot.app import App
from bot.config import load_settings
from bot.scheduler import Scheduler
from handlers.events import Inbound
from tests.support.fakes import RecordingChannel
from tests.support.harness import EXAMPLE_CONFIG, SHANGHAI, FakeClock, shared_nlp


class Recorder:
    """Steps that record when and on which thread they ran."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.threads: set[int] = set()
        self.running = 0
        self.most_at_once = 0

    def step(self, name: str, result: int = 1, pause: float = 0.0) -> Callable[[], int]:
        """A step that returns ``result`` (raises when negative) after ``pause`` seconds."""

        def run() -> int:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            self.threads.add(threading.get_ident())
            time.sleep(pause)
            self.calls.append(name)
            self.running -= 1
            if result < 0:
                raise RuntimeError(f"{name} broke")
            return result

        return run


async def test_run_due_runs_steps_in_order_off_the_loop_then_after_run() -> None:
    rec = Recorder()
    flushed: list[int] = []

    async def after() -> None:
        flushed.append(len(rec.calls))

    sched = Scheduler(
        [rec.step("sweep", 3), rec.step("digests", 2)], timezone=SHANGHAI, after_run=after
    )
    assert await sched.run_due() == 5
    assert rec.calls == ["sweep", "digests"] and flushed == [2]
    assert threading.get_ident() not in rec.threads


async def test_a_failing_step_is_logged_and_the_rest_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rec = Recorder()
    flushed: list[bool] = []

    async def after() -> None:
        flushed.append(True)

    sched = Scheduler(
        [rec.step("sweep", -1), rec.step("digests", 1)], timezone=SHANGHAI, after_run=after
    )
    with caplog.at_level(logging.ERROR, logger="bot.scheduler"):
        assert await sched.run_due() == 1
    assert rec.calls == ["sweep", "digests"] and flushed == [True]
    assert "failed" in caplog.text


async def test_runs_never_overlap() -> None:
    rec = Recorder()
    sched = Scheduler([rec.step("sweep", 1, pause=0.05)], timezone=SHANGHAI)
    results = await asyncio.gather(*(sched.run_due() for _ in range(4)))
    assert results == [1, 1, 1, 1] and rec.most_at_once == 1


async def test_interval_job_runs_until_shutdown() -> None:
    rec = Recorder()
    sched = Scheduler([rec.step("sweep")], timezone=SHANGHAI, interval_seconds=0.05)
    sched.start()
    assert sched.running
    for _ in range(100):
        if len(rec.calls) >= 2:
            break
        await asyncio.sleep(0.02)
    assert len(rec.calls) >= 2
    await sched.shutdown()
    await asyncio.sleep(0.01)  # APScheduler stops on the loop's next turn
    stopped_at = len(rec.calls)
    await asyncio.sleep(0.2)
    assert len(rec.calls) == stopped_at and not sched.running


async def test_app_catches_up_before_connecting_and_stops_the_scheduler(tmp_path: Path) -> None:
    settings = load_settings(
        EXAMPLE_CONFIG, env={"LIUFANG_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}"}
    )
    clock = FakeClock(datetime(2026, 11, 26, 23, 0, tzinfo=SHANGHAI))  # quiet hours
    channel = RecordingChannel()
    app = App(settings, channel, clock=clock, nlp=shared_nlp())
    event = Inbound(
        msg_id="m1",
        room_id="room-maotang-g1",
        room_topic="毛塘路1网格",
        sender_id="wx-mt-liu",
        sender_name="刘阿姨",
        text="5栋楼道里煤气味很重",
        at=clock.now,
    )
    app.dispatcher.process_sync(event)  # reported before a shutdown…
    clock.advance(minutes=16)  # …and the re-alert fell due while the bot was down
    await app.start()
    try:
        assert app.scheduler.running
        assert channel.said_before_start is not None
        assert any("【急事再提醒】T1" in s for s in channel.said_before_start)
    finally:
        await app.stop()
    assert not app.scheduler.running


async def test_app_freezes_the_start_up_heap_before_the_catch_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The catch-up after downtime is the biggest sweep: full collections during it must not
    walk what start-up loaded (frozen first), nor later ones what the catch-up compiled."""
    settings = load_settings(
        EXAMPLE_CONFIG, env={"LIUFANG_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}"}
    )
    order: list[str] = []
    monkeypatch.setattr("bot.app.freeze_startup_heap", lambda: order.append("freeze"))
    app = App(settings, RecordingChannel(), clock=FakeClock(), nlp=shared_nlp())
    run_due = app.scheduler.run_due

    async def catch_up() -> int:
        order.append("catch-up")
        return await run_due()

    monkeypatch.setattr(app.scheduler, "run_due", catch_up)
    await app.start()
    try:
        assert order[:3] == ["freeze", "catch-up", "freeze"]
    finally:
        await app.stop()
