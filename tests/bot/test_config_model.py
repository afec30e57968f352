"""The declared sections: pydantic's errors read as before, defaults and env overrides once."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.config_model import plain
from bot.config_sections import (
    CoreSections,
    DeadlinesSection,
    DeliverySection,
    DeliverySettings,
    read_core,
)
from handlers.policy import Deadlines
from tests.support.harness import EXAMPLE_CONFIG, edited_config


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        (
            "small_response_days = 1",
            "small_response_days = 99",
            "deadlines.small_response_days: 99 超出范围 — 取 0 到 30 之间的数",
        ),
        (
            "small_response_days = 1",
            'small_response_days = "1"',  # strict: TOML text is not a number
            "deadlines.small_response_days: 应当是整数，现在是 '1' — 写成 small_response_days = 1",
        ),
        (
            "small_response_days = 1",
            "small_respons_days = 1",
            "deadlines.small_respons_days: 未知字段 — 是不是想写 'small_response_days'？",
        ),
        (
            'workday_end = "18:00"',
            "workday_end = 18:00:00",  # a TOML time literal: only "HH:MM" text is read
            'deadlines.workday_end: datetime.time(18, 0) 不是时间 — 写成 workday_end = "18:00"',
        ),
        (
            "max_text_chars = 2000",
            "max_text_chars = true",
            "bot.max_text_chars: 应当是整数，现在是 True — 写成 max_text_chars = 2000",
        ),
        (
            'name = "社区小助手"',
            'name = "  "',
            'bot.name: 不能为空 — 填写 name = "..."',
        ),
        (
            'url = "sqlite:///data/liufang.db"',
            "url = 5",
            'storage.url: 应当是文字，现在是 int — 用引号括起来：url = "..."',
        ),
        (
            "urgent_reserve_per_room = 1",
            "urgent_reserve_per_room = -1",
            "delivery.urgent_reserve_per_room: -1 超出范围 — 取 0 到 5 之间的数",
        ),
    ],
)
def test_validation_errors_keep_their_wording(
    tmp_path: Path, old: str, new: str, line: str
) -> None:
    path = edited_config(tmp_path, old, new)
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    assert info.value.problems == [f"{path}: {line}"]


def test_defaults_are_the_handlers_rules() -> None:
    assert DeadlinesSection().rules() == Deadlines()
    assert load_settings(EXAMPLE_CONFIG, env={}).deadlines == Deadlines()


def test_an_unset_reserve_follows_its_limit() -> None:
    core, problems = read_core({"delivery": {"per_room_per_minute": 1}}, "x.toml")
    assert problems == []
    assert core.delivery.urgent_reserve_per_room == 0  # routine traffic keeps its one send
    assert core.delivery.urgent_reserve_global == 3
    assert DeliverySection(per_room_per_minute=2).urgent_reserve_per_room == 1
    assert DeliverySection().settings() == DeliverySettings()  # the defaults, written once


def test_environment_override_is_declared_on_the_field() -> None:
    raw: dict[str, object] = {}
    core, _ = read_core(raw, "x.toml", {"LIUFANG_DATABASE_URL": "postgresql://db/x"})
    assert core.storage.url == "postgresql://db/x"
    core, _ = read_core({}, "x.toml", {"LIUFANG_DATABASE_URL": ""})  # empty: not set
    assert core.storage.url == CoreSections().storage.url


def test_sections_are_frozen() -> None:
    core, _ = read_core({}, "x.toml")
    with pytest.raises(ValueError, match="frozen"):
        core.delivery.per_room_per_minute = 1  # type: ignore[misc]


def test_every_secret_can_come_from_the_environment() -> None:
    env = {
        "LIUFANG_DATABASE_URL": "postgresql://db/x",
        "WECHATY_PUPPET_SERVICE_TOKEN": "tok",
        "WECHATY_PUPPET_SERVICE_ENDPOINT": "127.0.0.1:8788",
        "LIUFANG_WEB_ADMIN_TOKEN": "admin",
        "LIUFANG_OPEN311_API_KEY": "key",
        "LIUFANG_ALERT_WEBHOOK_URL": "https://hook.example/x",
        "LIUFANG_SMTP_PASSWORD": "pw",
    }
    s = load_settings(EXAMPLE_CONFIG, env=env)
    got = (
        s.database_url,
        s.puppet_service_token,
        s.puppet_service_endpoint,
        s.web_admin_token,
        s.web.open311_api_key,
        s.alerts.webhook_url,
        s.alerts.smtp_password,
    )
    assert got == tuple(env.values())
    with pytest.raises(ConfigError, match=r"wechat\.puppet_service_endpoint"):
        load_settings(EXAMPLE_CONFIG, env={"WECHATY_PUPPET_SERVICE_ENDPOINT": "nohost"})


@dataclasses.dataclass(frozen=True)
class _Limits:
    per_room_per_minute: int = 1
    not_configured: int = 0


def test_a_section_is_handed_on_by_field_name_and_a_missing_field_fails_loudly() -> None:
    section = DeliverySection(per_room_per_minute=9)
    assert plain(section, _Limits, not_configured=2) == _Limits(9, 2)
    with pytest.raises(TypeError, match="not_configured"):
        plain(section, _Limits)  # its default would be used without anyone choosing it
