"""`liufang run` picks WeChat when a puppet-service token is set, and says which channel."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import cli
from bot.app import App
from bot.channels import wechaty_compat
from bot.channels.wechaty import WechatyChannel
from bot.config import ConfigError, load_settings
from tests.support.harness import EXAMPLE_CONFIG


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[App]:
    apps: list[App] = []

    async def run(self: App, on_started: object = None) -> None:  # only the choice is tested
        apps.append(self)
        self.db.dispose()
        await self.leadership.stop()  # let the next command open the same SQLite file

    monkeypatch.setattr(App, "run", run)
    monkeypatch.setenv("LIUFANG_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return apps


def test_token_means_wechat(
    started: list[App], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WECHATY_PUPPET_SERVICE_TOKEN", "puppet_test_token")
    monkeypatch.setenv("WECHATY_PUPPET_SERVICE_ENDPOINT", "127.0.0.1:8788")
    assert cli.main(["run", "--config", str(EXAMPLE_CONFIG)]) == 0
    assert isinstance(started[0].channel, WechatyChannel)
    assert started[0].web is not None  # the dashboard is served next to WeChat
    err = capsys.readouterr().err
    assert "微信通道（网关 127.0.0.1:8788）" in err and "扫码" in err
    assert "工单看板 / dashboard: http://127.0.0.1:8080/" in err


def test_no_token_means_the_simulator_and_chat_means_console(
    started: list[App], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("WECHATY_PUPPET_SERVICE_TOKEN", raising=False)
    assert cli.main(["run", "--config", str(EXAMPLE_CONFIG)]) == 0
    monkeypatch.setenv("WECHATY_PUPPET_SERVICE_TOKEN", "puppet_test_token")
    assert cli.main(["chat", "--config", str(EXAMPLE_CONFIG)]) == 0
    assert [a.channel.name for a in started] == ["simulator", "console"]
    assert started[0].web is not None and started[1].web is None
    assert "本地控制台通道" in capsys.readouterr().err


def test_watchdog_settings_are_checked(tmp_path: Path) -> None:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        "watchdog_seconds = 120", "watchdog_seconds = 2"
    )
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert any("wechat.watchdog_seconds" in p for p in err.value.problems)
    assert load_settings(EXAMPLE_CONFIG, env={}).wechat.watchdog_seconds == 120


def test_a_broken_wechaty_install_is_reported_when_the_channel_is_made(
    started: list[App], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WECHATY_PUPPET_SERVICE_TOKEN", "puppet_test_token")
    monkeypatch.setattr(wechaty_compat, "_applied", False)  # as in a fresh process
    monkeypatch.setitem(wechaty_compat.REQUIRED, "wechaty", "0.99.0")
    assert cli.main(["run", "--config", str(EXAMPLE_CONFIG)]) == 1
    assert started == []
    assert "cannot start WeChat" in capsys.readouterr().err
