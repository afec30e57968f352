"""Out-of-band alerts: when the bot cannot speak in WeChat, tell people another way.

Transports (``[alerts]``): a webhook — a WeCom (企业微信) group robot (``{"msgtype": "text"}``)
or a generic JSON POST — and/or e-mail over SMTP to the secretaries. :class:`AlertMonitor`
decides when: the account logged out, the gateway down longer than ``gateway_down_minutes``,
due outbox rows stuck longer than ``outbox_stuck_minutes``, a half-dead stream replaced, a
standby taking over. Each problem is alerted once, again at most every ``repeat_minutes``
while it lasts, and once more when it is over.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import aiohttp

from bot.config_ops import AlertSettings
from bot.health import HealthReport

log = logging.getLogger(__name__)

SEND_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class Alert:
    """One thing to tell people."""

    # logged_out | gateway_down | outbox_stuck | half_dead | takeover | dead_letter | recovered
    kind: str
    title: str
    text: str
    at: datetime


def wecom_body(alert: Alert, bot_name: str) -> dict[str, Any]:
    """A WeCom group robot text message."""
    content = f"【{bot_name}告警】{alert.title}\n{alert.text}\n时间：{alert.at:%Y-%m-%d %H:%M}"
    return {"msgtype": "text", "text": {"content": content}}


def json_body(alert: Alert, bot_name: str) -> dict[str, Any]:
    """A generic JSON alert for any receiver (monitoring systems, chat bridges)."""
    return {
        "source": "liufang",
        "bot": bot_name,
        "host": socket.gethostname(),
        "kind": alert.kind,
        "title": alert.title,
        "text": alert.text,
        "at": alert.at.isoformat(),
    }


class AlertSender:
    """Sends one alert by every configured way; a way that fails does not stop the others."""

    def __init__(self, settings: AlertSettings, bot_name: str) -> None:
        self.settings = settings
        self.bot_name = bot_name

    async def send(self, alert: Alert) -> list[str]:
        """Send ``alert``; returns the problems (empty when every way worked)."""
        s = self.settings
        problems: list[str] = []
        if s.webhook_url:
            try:
                await self._webhook(alert)
            except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as exc:
                problems.append(f"webhook: {exc or type(exc).__name__}")
        if s.smtp_host and s.email_to:
            try:
                await asyncio.wait_for(asyncio.to_thread(self._mail, alert), SEND_TIMEOUT * 2)
            except (smtplib.SMTPException, OSError, TimeoutError) as exc:
                problems.append(f"smtp: {exc or type(exc).__name__}")
        for problem in problems:
            log.error("alert %r could not be sent: %s", alert.title, problem)
        return problems

    async def _webhook(self, alert: Alert) -> None:
        s = self.settings
        body = (wecom_body if s.webhook_format == "wecom" else json_body)(alert, self.bot_name)
        timeout = aiohttp.ClientTimeout(total=SEND_TIMEOUT)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(s.webhook_url, json=body) as response,
        ):
            if response.status >= 300:
                raise ConnectionError(f"HTTP {response.status}")
            if s.webhook_format == "wecom":
                # The robot answers 200 with {"errcode": 93000, …} for a wrong key.
                answer = await response.json(content_type=None)
                if isinstance(answer, dict) and answer.get("errcode", 0) != 0:
                    raise ConnectionError(
                        f"errcode {answer.get('errcode')}: {answer.get('errmsg')}"
                    )

    def _mail(self, alert: Alert) -> None:
        s = self.settings
        message = EmailMessage()
        message["Subject"] = f"[{self.bot_name}] {alert.title}"
        message["From"] = s.email_from
        message["To"] = ", ".join(s.email_to)
        message.set_content(
            f"{alert.text}\n\n时间：{alert.at:%Y-%m-%d %H:%M}\n主机：{socket.gethostname()}"
        )
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=SEND_TIMEOUT) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
            smtp.send_message(message)


_TITLES = {
    "logged_out": "微信已退出登录，需要扫码",
    "gateway_down": "微信网关连不上",
    "outbox_stuck": "消息发不出去",
}


class AlertMonitor:
    """Turns health reports and events into alerts, once per problem, repeated sparingly."""

    def __init__(
        self,
        sender: AlertSender | Any,
        settings: AlertSettings,
        clock: Callable[[], datetime],
    ) -> None:
        self._sender = sender
        self._settings = settings
        self._clock = clock
        self._last_sent: dict[str, datetime] = {}  # problem kind -> when last alerted
        self.sent: list[Alert] = []

    def problems(self, report: HealthReport) -> dict[str, str]:
        """The alertable problems in one health report, kind -> what to tell."""
        s = self._settings
        found: dict[str, str] = {}
        if report.role != "leader" or report.status == "down":
            return found
        channel = report.channel
        if channel.needs_scan:
            found["logged_out"] = (
                "机器人的微信号已退出登录，群里的报事暂时收不到、回复发不出。"
                "请尽快用机器人的微信号扫码登录（二维码链接在日志里）。"
            )
        elif (
            not channel.logged_in and (channel.offline_seconds or 0) >= s.gateway_down_minutes * 60
        ):
            minutes = int((channel.offline_seconds or 0) // 60)
            found["gateway_down"] = (
                f"微信通道已掉线 {minutes} 分钟，正在自动重连。请检查网关服务和网络。"
            )
        stuck = report.outbox_oldest_due_s or 0
        if stuck >= s.outbox_stuck_minutes * 60:
            found["outbox_stuck"] = (
                f"有 {report.outbox_pending} 条待发消息，最早的已等 {int(stuck // 60)} 分钟。"
                "急事提醒可能没有送达，请到群里或电话通知责任人。"
            )
        return found

    async def observe(self, report: HealthReport) -> None:
        """Alert new problems, repeat old ones sparingly, and say when one is over."""
        now = self._clock()
        current = self.problems(report)
        repeat = timedelta(minutes=self._settings.repeat_minutes)
        for kind, text in current.items():
            last = self._last_sent.get(kind)
            if last is None or now - last >= repeat:
                self._last_sent[kind] = now
                await self._send(Alert(kind, _TITLES[kind], text, now))
        for kind in [k for k in self._last_sent if k not in current]:
            del self._last_sent[kind]
            await self._send(
                Alert(
                    "recovered", f"已恢复：{_TITLES[kind]}", "问题已经解除，机器人恢复正常。", now
                )
            )

    async def event(self, kind: str, title: str, text: str) -> None:
        """Alert a one-off event (a takeover, a half-dead stream replaced)."""
        await self._send(Alert(kind, title, text, self._clock()))

    async def _send(self, alert: Alert) -> None:
        self.sent.append(alert)
        log.warning("alert: %s — %s", alert.title, alert.text)
        await self._sender.send(alert)
