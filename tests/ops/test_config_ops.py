"""The operations sections of the config: [logging], [alerts], [ha] and the half-dead keys."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from tests.support.harness import EXAMPLE_CONFIG


def test_the_example_documents_every_section_with_safe_defaults() -> None:
    settings = load_settings(EXAMPLE_CONFIG, env={})
    assert settings.logging.file is None and settings.logging.level == "info"
    assert not settings.alerts.enabled
    assert (settings.ha.lease_seconds, settings.ha.check_seconds) == (15, 3)
    stall = settings.wechat.stall
    assert stall.minutes == 0 and (stall.active_from, stall.active_until) == (time(7), time(22))


def test_secrets_come_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(
        EXAMPLE_CONFIG,
        env={
            "LIUFANG_ALERT_WEBHOOK_URL": "https://qyapi.example/send?key=k",
            "LIUFANG_SMTP_PASSWORD": "pw",
        },
    )
    assert settings.alerts.webhook_url.endswith("key=k") and settings.alerts.smtp_password == "pw"
    assert settings.alerts.enabled


@pytest.mark.parametrize(
    ("table", "text", "problem"),
    [
        ("alerts", 'webhook_url = "qyapi/send"', "不是网址"),
        ("alerts", 'webhook_format = "dingtalk"', "不是告警格式"),
        ("alerts", 'email_to = ["wang at example"]', "不是邮箱地址"),
        ("alerts", 'smtp_host = "127.0.0.1"', "没有收件人"),
        ("logging", 'level = "loud"', "不是日志级别"),
        ("ha", "lease_seconds = 10\ncheck_seconds = 6", "不超过 lease_seconds 的一半"),
    ],
)
def test_mistakes_are_named_with_their_fix(
    tmp_path: Path, table: str, text: str, problem: str
) -> None:
    source = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    head, _, rest = source.partition(f"[{table}]\n")
    path = tmp_path / "c.toml"
    path.write_text(f"{head}[{table}]\n{text}\n{_drop_keys(rest, text)}", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert any(problem in p and f"{table}." in p for p in err.value.problems), err.value.problems


def _drop_keys(rest: str, text: str) -> str:
    """The section's remaining lines without the keys ``text`` sets (TOML forbids repeats)."""
    keys = {line.split("=")[0].strip() for line in text.splitlines()}
    return "\n".join(line for line in rest.splitlines() if line.split("=")[0].strip() not in keys)


def test_the_log_file_is_relative_to_the_config(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        EXAMPLE_CONFIG.read_text(encoding="utf-8").replace('file = ""', 'file = "logs/bot.log"'),
        encoding="utf-8",
    )
    assert load_settings(path, env={}).logging.file == tmp_path / "logs" / "bot.log"
