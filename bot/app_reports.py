"""What the app reports about itself: the channel badge, notices, alerts and the health loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from bot.alerts import AlertMonitor
from bot.channels.base import Channel, channel_status
from bot.channels.simulator import SimDirectory, SimMember, SimRoom
from bot.delivery import OutboxSender
from bot.delivery.deadletter import DeadLetter
from bot.health import Health
from bot.leader import LeaseLeadership, SoloLeadership
from handlers.events import Reply
from handlers.followups.engine import enqueue_replies
from storage import directory
from storage.db import Database
from storage.directory_state import read_state

log = logging.getLogger("bot.app")  # the logger its code had before the split
HEALTH_EVERY_SECONDS = 30.0  # how often the app looks at its own health to alert people


class SelfReports:
    """The :class:`~bot.app.App`'s reports: what the channel, the sender and health tell people."""

    leadership: SoloLeadership | LeaseLeadership
    channel: Channel
    db: Database
    clock: Callable[[], datetime]
    sender: OutboxSender
    alerts: AlertMonitor
    health: Health
    _spawn: Callable[[Awaitable[None]], None]

    def channel_badge(self) -> tuple[str, str]:
        """The header's channel status: (css class, 已连接 / 已掉线 N 分钟 / 需要扫码)."""
        if not self.leadership.is_leader:
            return "standby", "备用实例（主实例在发送）"
        status = channel_status(self.channel)
        if status.logged_in:
            return "ok", status.label
        return ("scan" if status.needs_scan else "down"), status.label

    async def queue_replies(self, replies: Sequence[Reply]) -> None:
        """Queue messages no received message caused (a channel's notices), then send."""

        def write() -> None:
            with self.db.session() as session:
                enqueue_replies(session, replies, self.clock())
                session.commit()

        await asyncio.to_thread(write)
        await self.sender.flush()

    def _secretaries(self) -> list[str]:
        """The secretaries as the database holds them (set in chat or on the dashboard)."""
        with self.db.session() as session:
            return directory.secretary_ids(session)

    async def _dead_letter(self, letter: DeadLetter) -> None:
        """Alert once when a recipient starts refusing every message (not for each row)."""
        if not letter.first:
            return
        kind, _, ident = letter.key.partition(":")

        def topic() -> str:
            with self.db.session() as session:
                group = directory.group_by_room(session, ident)
                return group.topic if group is not None else ident

        where = f"群「{await asyncio.to_thread(topic)}」" if kind == "room" else f"私聊 {ident}"
        await self.alerts.event(
            "dead_letter",
            "有消息一直发不出去，已放弃重试",
            f"发往{where}的消息连续 {self.sender.strikes.limit} 次发送失败（{letter.error}），"
            "已停止重试，其他群的消息照常发送。请检查机器人是否还在这个群里；"
            "没发出的消息在网页「处理失败」页上。",
        )

    def _simulator_directory(self) -> SimDirectory:
        """The groups and members the simulator offers, as the database holds them now."""
        with self.db.session() as session:
            state = read_state(session)
        return (
            [SimRoom(g.room_id, g.topic, g.kind, g.community, g.grid) for g in state.groups],
            [SimMember(m.contact_id, m.name, m.role, m.community, m.grid) for m in state.members],
        )

    def _channel_lost(self, reason: str) -> None:
        """The channel dropped its connection; a half-dead stream is worth an alert."""
        if reason.startswith("half dead"):
            self._spawn(
                self.alerts.event(
                    "half_dead",
                    "微信收不到消息，已重连",
                    f"网关有心跳但一直没有新消息（{reason}），机器人已重新连接。"
                    "这段时间群里的报事可能没有收到，请在群里提醒大家重发。",
                )
            )

    async def check_health(self) -> None:
        """Look at the health report once and alert people about what needs them."""
        report = await asyncio.to_thread(self.health.check)
        await self.alerts.observe(report)

    async def _watch_health(self) -> None:
        while True:
            await asyncio.sleep(HEALTH_EVERY_SECONDS)
            try:
                await self.check_health()
            except Exception:
                log.exception("health check failed")
