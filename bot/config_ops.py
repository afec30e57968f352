"""Readers for the operations sections of the config: [logging], [alerts] and [ha]."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any

from bot.config_schema import SchemaReader

ALERT_FORMATS = ("wecom", "json")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class LogSettings:
    """Where logs go besides stderr: an optional rotating file."""

    file: Path | None = None
    max_mb: int = 10
    backups: int = 5
    level: str = "info"


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """Out-of-band alerts for when the bot cannot speak in WeChat itself."""

    webhook_url: str = ""
    webhook_format: str = "wecom"  # wecom (group robot) | json (a generic POST)
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    email_from: str = "liufang@localhost"
    email_to: tuple[str, ...] = ()
    gateway_down_minutes: int = 5
    outbox_stuck_minutes: int = 10
    repeat_minutes: int = 60  # the same problem is alerted again at most this often

    @property
    def enabled(self) -> bool:
        """Whether any way of alerting is configured."""
        return bool(self.webhook_url or (self.smtp_host and self.email_to))


@dataclass(frozen=True, slots=True)
class StallSettings:
    """Half-dead stream detection: heartbeats arrive but no message does."""

    minutes: int = 0  # 0 turns it off
    active_from: time = time(7, 0)
    active_until: time = time(22, 0)
    self_test_room: str = ""  # a room id the self-test message is posted to
    echo_seconds: int = 60  # how long the self-test may take to come back


@dataclass(frozen=True, slots=True)
class HaSettings:
    """Leadership between processes on one PostgreSQL database."""

    lease_seconds: int = 15  # the leader renews within this; a dead one is replaced after it
    check_seconds: int = 3


def _boolean(r: SchemaReader, where: str, table: dict[str, Any], key: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        r.problem(where, f"{value!r} 不是 true/false", f"写 {key} = true 或 false")
        return default
    return value


def read_logging(r: SchemaReader, raw: dict[str, Any], base: Path) -> LogSettings:
    """The [logging] section."""
    t = r.table("logging", raw, ("file", "max_mb", "backups", "level"))
    file = r.string("logging.file", t, "file", "")
    level = r.string("logging.level", t, "level", "info").lower()
    if level not in ("debug", "info", "warning", "error"):
        r.problem("logging.level", f"{level!r} 不是日志级别", '写 "info"、"warning" 或 "debug"')
        level = "info"
    path = None
    if file:
        path = Path(file) if Path(file).is_absolute() else base / file
    return LogSettings(
        file=path,
        max_mb=r.integer("logging.max_mb", t, "max_mb", 10, 1, 1024),
        backups=r.integer("logging.backups", t, "backups", 5, 0, 100),
        level=level,
    )


def read_alerts(r: SchemaReader, raw: dict[str, Any]) -> AlertSettings:
    """The [alerts] section."""
    keys = (
        "webhook_url",
        "webhook_format",
        "smtp_host",
        "smtp_port",
        "smtp_user",
        "smtp_password",
        "smtp_starttls",
        "email_from",
        "email_to",
        "gateway_down_minutes",
        "outbox_stuck_minutes",
        "repeat_minutes",
    )
    t = r.table("alerts", raw, keys)
    url = r.string("alerts.webhook_url", t, "webhook_url", "")
    if url and not url.startswith(("http://", "https://")):
        r.problem("alerts.webhook_url", f"{url!r} 不是网址", "写 https://… 开头的完整地址")
    fmt = r.string("alerts.webhook_format", t, "webhook_format", "wecom")
    if fmt not in ALERT_FORMATS:
        r.problem(
            "alerts.webhook_format",
            f"{fmt!r} 不是告警格式",
            '企业微信群机器人写 "wecom"，其他系统写 "json"',
        )
        fmt = "wecom"
    to = tuple(r.string_list("alerts.email_to", t, "email_to"))
    for address in to:
        if not _EMAIL_RE.match(address):
            r.problem("alerts.email_to", f"{address!r} 不是邮箱地址", "写成 name@example.com")
    host = r.string("alerts.smtp_host", t, "smtp_host", "")
    if host and not to:
        r.problem("alerts.email_to", "配置了邮件服务器却没有收件人", '写 email_to = ["…"]')
    sender = r.string("alerts.email_from", t, "email_from", "")
    return AlertSettings(
        webhook_url=url,
        webhook_format=fmt,
        smtp_host=host,
        smtp_port=r.integer("alerts.smtp_port", t, "smtp_port", 25, 1, 65535),
        smtp_user=r.string("alerts.smtp_user", t, "smtp_user", ""),
        smtp_password=r.string("alerts.smtp_password", t, "smtp_password", ""),
        smtp_starttls=_boolean(r, "alerts.smtp_starttls", t, "smtp_starttls", False),
        email_from=sender or "liufang@localhost",
        email_to=to,
        gateway_down_minutes=r.integer(
            "alerts.gateway_down_minutes", t, "gateway_down_minutes", 5, 1, 24 * 60
        ),
        outbox_stuck_minutes=r.integer(
            "alerts.outbox_stuck_minutes", t, "outbox_stuck_minutes", 10, 1, 24 * 60
        ),
        repeat_minutes=r.integer("alerts.repeat_minutes", t, "repeat_minutes", 60, 1, 7 * 24 * 60),
    )


def read_stall(r: SchemaReader, wechat: dict[str, Any]) -> StallSettings:
    """The half-dead stream keys of [wechat] (the caller checks that the keys are known)."""
    return StallSettings(
        minutes=r.integer("wechat.stall_minutes", wechat, "stall_minutes", 0, 0, 24 * 60),
        active_from=r.clock_time("wechat.active_from", wechat, "active_from", time(7, 0)),
        active_until=r.clock_time("wechat.active_until", wechat, "active_until", time(22, 0)),
        self_test_room=r.string("wechat.self_test_room", wechat, "self_test_room", ""),
        echo_seconds=r.integer(
            "wechat.self_test_seconds", wechat, "self_test_seconds", 60, 5, 600
        ),
    )


STALL_KEYS = (
    "stall_minutes",
    "active_from",
    "active_until",
    "self_test_room",
    "self_test_seconds",
)


def read_ha(r: SchemaReader, raw: dict[str, Any]) -> HaSettings:
    """The [ha] section (PostgreSQL leadership)."""
    t = r.table("ha", raw, ("lease_seconds", "check_seconds"))
    lease = r.integer("ha.lease_seconds", t, "lease_seconds", 15, 3, 300)
    check = r.integer("ha.check_seconds", t, "check_seconds", 3, 1, 60)
    if check * 2 > lease:
        r.problem(
            "ha.check_seconds", f"{check} 秒太长", f"不超过 lease_seconds 的一半（{lease // 2}）"
        )
        check = max(1, lease // 3)
    return HaSettings(lease_seconds=lease, check_seconds=check)
