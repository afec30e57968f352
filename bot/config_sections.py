"""Config sections declared as models: [bot], [storage], [wechat], [duplicates], [deadlines],
[delivery]; [alerts] and [ha] are declared next to their settings in ``bot.config_ops``.

Each field carries its default, its bounds and (for secrets) its environment variable. The
values handed on stay plain frozen dataclasses (the handlers' rules — handlers/ imports no
pydantic —, the sender's limits, the channel's settings) and the sections take their defaults
from them, so every default is written once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.config_communities import Communities
from bot.config_errors import problems
from bot.config_ladder import OLD_REALERT, AlarmLadderSection, move_old_name, old_name_where
from bot.config_model import (
    ClockTime,
    Found,
    Section,
    Strings,
    apply_env,
    blank_is_default,
    env_field,
    matching,
    plain,
    problem,
    salvage,
)
from bot.config_ops import AlertSettings, HaSettings, LoggingSection, StallSettings
from bot.config_service import (
    CalendarSection,
    DigestsSection,
    FollowUpsSection,
    QuietHoursSection,
)
from bot.config_web import WebSection, community_codes
from handlers.policy import Deadlines

_DEADLINES = Deadlines()
_STALL = StallSettings()
_HOST_PORT = r"[\w.\-\[\]:]+:\d{1,5}"
_HOST_PORT_WORDS = ("{!r} 不是 host:port", '写 "127.0.0.1:8788"')


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
        return plain(self, Deadlines)


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    """How fast the bot may send, so the WeChat account is not restricted for flooding."""

    per_room_per_minute: int = 6
    global_per_minute: int = 20
    max_message_chars: int = 1500
    retry_max_minutes: int = 10
    # Of each one-minute window, the sends only urgent messages may use: routine traffic can
    # never fill a room (or the account) so full that an alarm has to wait for the minute.
    urgent_reserve_per_room: int = 1
    urgent_reserve_global: int = 3
    # Answers to one person in one group per minute; beyond it they get one line saying they
    # are sending too fast (what they sent is still handled). 0: no limit.
    per_sender_per_minute: int = 3


_DELIVERY = DeliverySettings()


class DeliverySection(Section):
    """[delivery]: the sending limits, defaults from :class:`DeliverySettings`."""

    per_room_per_minute: int = Field(_DELIVERY.per_room_per_minute, ge=1, le=60)
    global_per_minute: int = Field(_DELIVERY.global_per_minute, ge=1, le=600)
    max_message_chars: int = Field(_DELIVERY.max_message_chars, ge=100, le=10000)
    retry_max_minutes: int = Field(_DELIVERY.retry_max_minutes, ge=1, le=1440)
    urgent_reserve_per_room: int = _DELIVERY.urgent_reserve_per_room  # 0 to per room - 1
    urgent_reserve_global: int = _DELIVERY.urgent_reserve_global  # 0 to global - 1
    per_sender_per_minute: int = Field(_DELIVERY.per_sender_per_minute, ge=0, le=60)

    @model_validator(mode="before")
    @classmethod
    def _reserve_defaults(cls, data: Any) -> Any:
        return cls.prepared(dict(data)) if isinstance(data, dict) else data

    @classmethod
    def prepared(cls, data: dict[str, Any]) -> dict[str, Any]:
        """An unset reserve leaves routine traffic at least one send a minute."""
        for key, limit_key in _RESERVES.items():
            limit = data.get(limit_key, cls.model_fields[limit_key].default)
            if key not in data and isinstance(limit, int) and not isinstance(limit, bool):
                data[key] = min(cls.model_fields[key].default, max(limit - 1, 0))
        return data

    def cross(self, context: Mapping[str, Any]) -> list[Found]:
        """Routine traffic must keep at least one send a minute, or it would never go out."""
        found: list[Found] = []
        for key, limit_key in _RESERVES.items():
            value, limit = getattr(self, key), getattr(self, limit_key)
            if None not in (value, limit) and not 0 <= value <= limit - 1:
                found.append(((key,), f"{value} 超出范围", f"取 0 到 {limit - 1} 之间的数"))
        return found

    def settings(self) -> DeliverySettings:
        """The plain settings the sender is given."""
        return plain(self, DeliverySettings)


_RESERVES = {
    "urgent_reserve_per_room": "per_room_per_minute",
    "urgent_reserve_global": "global_per_minute",
}


@dataclass(frozen=True, slots=True)
class WechatSettings:
    """How the WeChat channel stays connected and where it keeps received photos."""

    watchdog_seconds: int = 120  # no event or heartbeat for this long: reconnect
    reconnect_max_seconds: int = 300  # longest wait between reconnection attempts
    offline_notice_minutes: int = 10  # offline longer than this: tell the secretaries
    media_dir: Path = Path("data/media")
    stall: StallSettings = field(default_factory=StallSettings)


_WECHAT = WechatSettings()


class WechatSection(Section):
    """[wechat]: the puppet-service gateway, reconnection, media, the half-dead stream check."""

    puppet_service_token: str = env_field("WECHATY_PUPPET_SERVICE_TOKEN", "")
    puppet_service_endpoint: Annotated[str, matching(_HOST_PORT, *_HOST_PORT_WORDS)] = env_field(
        "WECHATY_PUPPET_SERVICE_ENDPOINT", ""
    )
    watchdog_seconds: int = Field(_WECHAT.watchdog_seconds, ge=10, le=3600)
    reconnect_max_seconds: int = Field(_WECHAT.reconnect_max_seconds, ge=5, le=3600)
    offline_notice_minutes: int = Field(_WECHAT.offline_notice_minutes, ge=0, le=24 * 60)
    media_dir: str = blank_is_default(str(_WECHAT.media_dir))
    stall_minutes: int = Field(_STALL.minutes, ge=0, le=24 * 60)
    active_from: ClockTime = _STALL.active_from
    active_until: ClockTime = _STALL.active_until
    self_test_room: str = _STALL.self_test_room
    self_test_seconds: int = Field(_STALL.echo_seconds, ge=5, le=600)

    def settings(self) -> WechatSettings:
        """The channel's settings."""
        stall = plain(
            self, StallSettings, minutes=self.stall_minutes, echo_seconds=self.self_test_seconds
        )
        return plain(self, WechatSettings, media_dir=Path(self.media_dir), stall=stall)


class NlpSection(Section):
    """[nlp]: extra lexicons, words and hazard frames; this deployment's model file.

    The paths are relative to the config file; ``bot.config`` resolves and checks them.
    """

    lexicon_files: Strings = ()
    user_words: Strings = ()
    frame_files: Strings = ()
    model_file: str = "data/model.npz"  # written by `liufang learn`; the shipped one until then


class DistrictSection(Section):
    """[district]: the street (街道) the communities belong to."""

    name: str = ""


class CoreSections(BaseModel):
    """The whole file: every section, in the order the hint for an unknown one lists them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bot: BotSection = BotSection()
    storage: StorageSection = StorageSection()
    wechat: WechatSection = WechatSection()
    web: WebSection = WebSection()
    nlp: NlpSection = NlpSection()
    deadlines: DeadlinesSection = DeadlinesSection()
    duplicates: DuplicatesSection = DuplicatesSection()
    followups: FollowUpsSection = FollowUpsSection()
    alarm_ladder: AlarmLadderSection = AlarmLadderSection()
    quiet_hours: QuietHoursSection = QuietHoursSection()
    digests: DigestsSection = DigestsSection()
    calendar: CalendarSection = CalendarSection()
    delivery: DeliverySection = DeliverySection()
    district: DistrictSection = DistrictSection()
    communities: Communities = ()
    logging: LoggingSection = LoggingSection()
    alerts: AlertSettings = AlertSettings()
    ha: HaSettings = HaSettings()


def read_core(
    raw: dict[str, Any], filename: str, env: Mapping[str, str] | None = None
) -> tuple[CoreSections, list[str]]:
    """The declared sections of ``raw`` (env overrides applied), and their problems if any."""
    if env:
        apply_env(CoreSections, raw, env)
    moved, found = move_old_name(raw)
    lines = [f"{filename}: {where}: {what} — {fix}" for where, what, fix in found]
    context = {"communities": community_codes(raw), OLD_REALERT[1]: moved}
    try:
        core = CoreSections.model_validate(raw, context=context)
    except ValidationError as exc:
        core = salvage(CoreSections, raw, context)  # read as far as valid: problems are raised
        errors = problems(filename, CoreSections, exc)
        lines += [old_name_where(line) for line in errors] if moved else errors
    return core, lines
