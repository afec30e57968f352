"""The operations sections of the config: [logging], [alerts], [ha] and [wechat]'s stall keys.

Declared models, read with the other sections (``bot.config_sections``); [alerts] and [ha] are
handed on as they are, [logging] and the stall keys as plain settings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field, field_validator

from bot.config_model import (
    Found,
    Section,
    Strings,
    blank_is_default,
    env_field,
    matching,
    one_of,
    plain,
    problem,
)

ALERT_FORMATS = ("wecom", "json")
_FORMAT_FIX = '企业微信群机器人写 "wecom"，其他系统写 "json"'
_URL_FIX = "写 https://… 开头的完整地址"
_LEVELS = ("debug", "info", "warning", "error")
_LEVEL_WORDS = ("{!r} 不是日志级别", '写 "info"、"warning" 或 "debug"')
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class LogSettings:
    """Where logs go besides stderr: an optional rotating file."""

    file: Path | None = None
    max_mb: int = 10
    backups: int = 5
    level: str = "info"


class AlertSettings(Section):
    """[alerts]: out-of-band alerts for when the bot cannot speak in WeChat itself."""

    webhook_url: Annotated[str, matching(r"(?s)https?://.*", "{!r} 不是网址", _URL_FIX)] = (
        env_field("LIUFANG_ALERT_WEBHOOK_URL", "")
    )
    # wecom (group robot) | json (a generic POST)
    webhook_format: Annotated[str, one_of(ALERT_FORMATS, "{!r} 不是告警格式", _FORMAT_FIX)] = (
        "wecom"
    )
    smtp_host: str = ""
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: str = env_field("LIUFANG_SMTP_PASSWORD", "")
    smtp_starttls: bool = False
    email_from: str = blank_is_default("liufang@localhost")
    email_to: Strings = ()
    gateway_down_minutes: int = Field(5, ge=1, le=24 * 60)
    outbox_stuck_minutes: int = Field(10, ge=1, le=24 * 60)
    repeat_minutes: int = Field(60, ge=1, le=7 * 24 * 60)  # the same problem at most this often

    @field_validator("email_to")
    @classmethod
    def _valid_addresses(cls, to: tuple[str, ...]) -> tuple[str, ...]:
        bad = [repr(a) for a in to if not _EMAIL_RE.match(a)]
        if bad:
            raise problem(f"{'、'.join(bad)} 不是邮箱地址", "写成 name@example.com")
        return to

    def cross(self, context: Mapping[str, Any]) -> list[Found]:
        """A mail server needs someone to mail."""
        if self.smtp_host and self.email_to == ():
            return [(("email_to",), "配置了邮件服务器却没有收件人", '写 email_to = ["…"]')]
        return []

    @property
    def enabled(self) -> bool:
        """Whether any way of alerting is configured."""
        return bool(self.webhook_url or (self.smtp_host and self.email_to))


_LOGS = LogSettings()


@dataclass(frozen=True, slots=True)
class StallSettings:
    """Half-dead stream detection: heartbeats arrive but no message does."""

    minutes: int = 0  # 0 turns it off
    active_from: time = time(7, 0)
    active_until: time = time(22, 0)
    self_test_room: str = ""  # a room id the self-test message is posted to
    echo_seconds: int = 60  # how long the self-test may take to come back


class HaSettings(Section):
    """[ha]: leadership between processes on one PostgreSQL database."""

    lease_seconds: int = Field(15, ge=3, le=300)  # renewed within this; a dead leader after it
    check_seconds: int = Field(3, ge=1, le=60)

    def cross(self, context: Mapping[str, Any]) -> list[Found]:
        """A standby checks at least twice a lease, or a dead leader's lease runs out unseen."""
        check, lease = self.check_seconds, self.lease_seconds
        if None in (check, lease) or check * 2 <= lease:
            return []
        return [
            (("check_seconds",), f"{check} 秒太长", f"不超过 lease_seconds 的一半（{lease // 2}）")
        ]


class LoggingSection(Section):
    """[logging]: an optional rotating log file (relative to the config file)."""

    file: str = ""
    max_mb: int = Field(_LOGS.max_mb, ge=1, le=1024)
    backups: int = Field(_LOGS.backups, ge=0, le=100)
    level: Annotated[str, AfterValidator(str.lower), one_of(_LEVELS, *_LEVEL_WORDS)] = _LOGS.level

    def settings(self, base: Path) -> LogSettings:
        """The log settings, the file resolved against ``base`` (the config's folder)."""
        path = None
        if self.file:
            path = Path(self.file) if Path(self.file).is_absolute() else base / self.file
        return plain(self, LogSettings, file=path)
