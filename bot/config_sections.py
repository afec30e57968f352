"""Config sections declared as models: [bot], [storage], [duplicates], [deadlines], [delivery].

[alerts] and [ha] are declared next to their settings in ``bot.config_ops``.

Each field carries its default, its bounds and (for secrets) its environment variable; the
handlers' rules keep their own frozen dataclasses (handlers/ imports no pydantic), and the
sections take their defaults from them, so every default is written once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.config_model import ClockTime, Section, apply_env, env_field, problem, problems
from bot.config_ops import AlertSettings, HaSettings
from handlers.policy import Deadlines

_DEADLINES = Deadlines()


class BotSection(Section):
    """[bot]: the name it answers to, its time zone, the longest message it reads."""

    name: str = Field("社区小助手", min_length=1)
    timezone: str = "Asia/Shanghai"
    max_text_chars: int = Field(2000, ge=50, le=20000)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise problem(f"未知时区 {value!r}", '写 "Asia/Shanghai"') from None
        return value


class StorageSection(Section):
    """[storage]: the database."""

    url: str = env_field("LIUFANG_DATABASE_URL", "sqlite:///data/liufang.db")

    @field_validator("url")
    @classmethod
    def _supported(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql", "postgres://")):
            raise problem(
                f"不支持的数据库地址 {value.split('://')[0]!r}",
                '用 "sqlite:///data/liufang.db" 或 "postgresql+psycopg://user@host:5432/db"',
            )
        return value


class DuplicatesSection(Section):
    """[duplicates]: how long and how similar a report must be to join an open ticket."""

    window_hours: int = Field(72, ge=0, le=24 * 90)
    min_similarity: int = Field(34, ge=1, le=100)  # per cent


class DeadlinesSection(Section):
    """[deadlines]: the service levels, defaults from ``handlers.policy.Deadlines``."""

    small_response_days: int = Field(_DEADLINES.small_response_days, ge=0, le=30)
    small_resolve_days: int = Field(_DEADLINES.small_resolve_days, ge=1, le=60)
    urgent_ack_minutes: int = Field(_DEADLINES.urgent_ack_minutes, ge=1, le=240)
    urgent_resolve_hours: int = Field(_DEADLINES.urgent_resolve_hours, ge=1, le=240)
    workday_end: ClockTime = _DEADLINES.workday_end

    def rules(self) -> Deadlines:
        """The plain rules handed to the handlers."""
        return Deadlines(**self.model_dump())


class DeliverySettings(Section):
    """[delivery]: how fast the bot may send, so the WeChat account is not restricted."""

    per_room_per_minute: int = Field(6, ge=1, le=60)
    global_per_minute: int = Field(20, ge=1, le=600)
    max_message_chars: int = Field(1500, ge=100, le=10000)
    retry_max_minutes: int = Field(10, ge=1, le=1440)
    # Of each one-minute window, the sends only urgent messages may use: routine traffic can
    # never fill a room (or the account) so full that an alarm has to wait for the minute.
    urgent_reserve_per_room: int = 1  # 0 to per_room_per_minute - 1
    urgent_reserve_global: int = 3  # 0 to global_per_minute - 1
    # Answers to one person in one group per minute; beyond it they get one line saying they
    # are sending too fast (what they sent is still handled). 0: no limit.
    per_sender_per_minute: int = Field(3, ge=0, le=60)

    @model_validator(mode="before")
    @classmethod
    def _reserve_defaults(cls, data: Any) -> Any:
        # An unset reserve leaves routine traffic at least one send a minute.
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for key, limit_key in _RESERVES.items():
            limit = data.get(limit_key, cls.model_fields[limit_key].default)
            if key not in data and isinstance(limit, int) and not isinstance(limit, bool):
                data[key] = min(cls.model_fields[key].default, max(limit - 1, 0))
        return data

    @model_validator(mode="after")
    def _reserve_below_limit(self) -> Self:
        # Routine traffic must keep at least one send a minute, or it would never go out.
        for key, limit_key in _RESERVES.items():
            value, limit = getattr(self, key), getattr(self, limit_key)
            if not 0 <= value <= limit - 1:
                raise problem(f"{value} 超出范围", f"取 0 到 {limit - 1} 之间的数", key)
        return self


_RESERVES = {
    "urgent_reserve_per_room": "per_room_per_minute",
    "urgent_reserve_global": "global_per_minute",
}


class CoreSections(BaseModel):
    """The sections read declaratively; the others are read by the older per-section readers."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    bot: BotSection = BotSection()
    storage: StorageSection = StorageSection()
    duplicates: DuplicatesSection = DuplicatesSection()
    deadlines: DeadlinesSection = DeadlinesSection()
    delivery: DeliverySettings = DeliverySettings()
    alerts: AlertSettings = AlertSettings()
    ha: HaSettings = HaSettings()


def read_core(
    raw: dict[str, Any], filename: str, env: Mapping[str, str] | None = None
) -> tuple[CoreSections, list[str]]:
    """The declared sections of ``raw`` (env overrides applied), and their problems if any."""
    if env:
        apply_env(CoreSections, raw, env)
    try:
        return CoreSections.model_validate(raw), []
    except ValidationError as exc:
        return CoreSections(), problems(filename, CoreSections, exc)
