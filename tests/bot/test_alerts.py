"""Out-of-band alerts: a WeCom robot webhook, a generic JSON webhook and SMTP e-mail, all to
servers on this machine; the monitor alerts once per problem, repeats sparingly, says when
it is over."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from typing import Any

import pytest
from aiohttp import web
from aiosmtpd.controller import Controller

from bot.alerts import Alert, AlertMonitor, AlertSender
from bot.channels.base import ChannelStatus
from bot.config_ops import AlertSettings
from bot.health import HealthReport
from tests.support.cluster import free_port
from tests.support.db import T0
from tests.support.harness import FakeClock

ALERT = Alert("logged_out", "微信已退出登录，需要扫码", "请尽快扫码。", T0)


class Receiver:
    """A local HTTP server that records what is posted to it and answers like the robot."""

    def __init__(self, answer: dict[str, Any] | None = None, status: int = 200) -> None:
        self.posts: list[Any] = []
        self.answer = answer if answer is not None else {"errcode": 0, "errmsg": "ok"}
        self.status = status

    async def handle(self, request: web.Request) -> web.Response:
        self.posts.append(await request.json())
        return web.json_response(self.answer, status=self.status)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/cgi-bin/webhook/send", rec.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield rec, f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key=test"
    await runner.cleanup()


class Mailbox:
    """An aiosmtpd handler keeping every message."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=default_policy))
        )
        return "250 OK"


@pytest.fixture
def smtp() -> AsyncIterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


async def test_wecom_robot_format(receiver: tuple[Receiver, str]) -> None:
    rec, url = receiver
    problems = await AlertSender(AlertSettings(webhook_url=url), "社区小助手").send(ALERT)
    assert problems == []
    (body,) = rec.posts
    assert body["msgtype"] == "text"
    content = body["text"]["content"]
    assert content.startswith("【社区小助手告警】微信已退出登录，需要扫码\n请尽快扫码。")
    assert "2026-11-26 09:00" in content


async def test_generic_json_format(receiver: tuple[Receiver, str]) -> None:
    rec, url = receiver
    settings = AlertSettings(webhook_url=url, webhook_format="json")
    assert await AlertSender(settings, "社区小助手").send(ALERT) == []
    (body,) = rec.posts
    assert body["source"] == "liufang" and body["kind"] == "logged_out"
    assert body["title"] == ALERT.title and body["at"] == T0.isoformat()


async def test_a_robot_that_refuses_is_reported(receiver: tuple[Receiver, str]) -> None:
    rec, url = receiver
    rec.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    problems = await AlertSender(AlertSettings(webhook_url=url), "x").send(ALERT)
    assert problems == ["webhook: errcode 93000: invalid webhook url"]
    rec.status, rec.answer = 500, {}
    assert (await AlertSender(AlertSettings(webhook_url=url), "x").send(ALERT))[0].startswith(
        "webhook: HTTP 500"
    )


async def test_email_to_the_secretaries(smtp: tuple[Mailbox, int]) -> None:
    box, port = smtp
    settings = AlertSettings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        email_from="bot@example.org",
        email_to=("wang@example.org", "lin@example.org"),
    )
    assert await AlertSender(settings, "社区小助手").send(ALERT) == []
    ((rcpts, mail),) = box.messages
    assert rcpts == ["wang@example.org", "lin@example.org"]
    assert mail["Subject"] == "[社区小助手] 微信已退出登录，需要扫码"
    assert "请尽快扫码。" in mail.get_content()


async def test_one_way_failing_does_not_stop_the_other(smtp: tuple[Mailbox, int]) -> None:
    box, port = smtp
    settings = AlertSettings(
        webhook_url=f"http://127.0.0.1:{free_port()}/nobody",
        smtp_host="127.0.0.1",
        smtp_port=port,
        email_to=("wang@example.org",),
    )
    problems = await AlertSender(settings, "x").send(ALERT)
    assert len(problems) == 1 and problems[0].startswith("webhook:")
    assert len(box.messages) == 1


class Recorder:
    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    async def send(self, alert: Alert) -> list[str]:
        self.alerts.append(alert)
        return []


def _report(
    channel: ChannelStatus, *, role: str = "leader", oldest: float | None = None
) -> HealthReport:
    return HealthReport(
        status="ok",
        role=role,
        db="ok",
        channel=channel,
        outbox_pending=3,
        outbox_oldest_due_s=oldest,
        scheduler_lag_s=0.0,
    )


ONLINE = ChannelStatus("wechat", True)


async def test_the_monitor_alerts_once_repeats_sparingly_and_says_when_over() -> None:
    clock = FakeClock(T0)
    rec = Recorder()
    monitor = AlertMonitor(rec, AlertSettings(repeat_minutes=60), clock)
    await monitor.observe(_report(ONLINE))
    assert rec.alerts == []
    logged_out = ChannelStatus("wechat", False, needs_scan=True, offline_seconds=5)
    await monitor.observe(_report(logged_out))
    assert [a.kind for a in rec.alerts] == ["logged_out"]
    for _ in range(5):  # every 30 s for a while: nothing new
        clock.advance(seconds=30)
        await monitor.observe(_report(logged_out))
    assert len(rec.alerts) == 1
    clock.advance(minutes=60)
    await monitor.observe(_report(logged_out))
    assert [a.kind for a in rec.alerts] == ["logged_out", "logged_out"]
    await monitor.observe(_report(ONLINE))
    assert rec.alerts[-1].kind == "recovered" and "需要扫码" in rec.alerts[-1].title
    await monitor.observe(_report(ONLINE))
    assert len(rec.alerts) == 3


async def test_gateway_down_waits_its_minutes_and_stuck_outbox_alerts() -> None:
    rec = Recorder()
    settings = AlertSettings(gateway_down_minutes=5, outbox_stuck_minutes=10)
    monitor = AlertMonitor(rec, settings, FakeClock(T0))
    await monitor.observe(_report(ChannelStatus("wechat", False, offline_seconds=4 * 60)))
    assert rec.alerts == []  # a short drop reconnects by itself
    await monitor.observe(_report(ChannelStatus("wechat", False, offline_seconds=6 * 60)))
    assert [a.kind for a in rec.alerts] == ["gateway_down"]
    assert "已掉线 6 分钟" in rec.alerts[0].text
    await monitor.observe(_report(ONLINE, oldest=11 * 60))
    assert [a.kind for a in rec.alerts] == ["gateway_down", "outbox_stuck", "recovered"]
    assert "最早的已等 11 分钟" in rec.alerts[1].text


async def test_a_standby_does_not_alert_about_its_channel() -> None:
    rec = Recorder()
    monitor = AlertMonitor(rec, AlertSettings(), FakeClock(T0))
    offline = ChannelStatus("wechat", False, needs_scan=True)
    await monitor.observe(_report(offline, role="standby"))
    assert rec.alerts == []


async def test_events_are_sent_at_once() -> None:
    rec = Recorder()
    clock = FakeClock(T0 + timedelta(hours=1))
    monitor = AlertMonitor(rec, AlertSettings(), clock)
    await asyncio.wait_for(monitor.event("takeover", "备用实例已接替", "…"), 1)
    assert rec.alerts == [Alert("takeover", "备用实例已接替", "…", clock())]
