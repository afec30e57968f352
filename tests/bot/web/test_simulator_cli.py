"""`liufang run` without a WeChat token: the simulator and the web pages, and what it prints."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import cli, run_cli
from bot.app import App
from bot.config import load_settings
from storage import db as storage_db
from tests.support.harness import EXAMPLE_CONFIG


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No WeChat token, a database of the test's own."""
    monkeypatch.delenv("WECHATY_PUPPET_SERVICE_TOKEN", raising=False)
    monkeypatch.setenv("LIUFANG_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")


def test_run_announces_the_simulator_dashboard_api_and_demo_log_ins(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    apps: list[App] = []

    async def run(self: App, on_started: Callable[[], None] | None = None) -> None:
        apps.append(self)
        assert on_started is not None
        on_started()  # as if everything had started
        self.db.dispose()

    monkeypatch.setattr(App, "run", run)
    assert cli.main(["run", "--config", str(EXAMPLE_CONFIG)]) == 0
    err = capsys.readouterr().err
    assert "网页聊天模拟器（未连接微信）" in err
    assert "http://127.0.0.1:8080/simulator" in err and "http://127.0.0.1:8080/\n" in err
    assert "http://127.0.0.1:8080/open311/v2/services.json" in err
    assert "wangshuji / maotang2026" in err  # from the example config's comment
    assert apps[0].channel.name == "simulator" and apps[0].web is not None


def test_a_taken_port_is_explained(
    env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace("port = 8080", f"port = {port}")
        config = tmp_path / "config.toml"
        config.write_text(text, encoding="utf-8")
        assert cli.main(["run", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert f"网页服务无法在 127.0.0.1:{port} 启动" in err and "port" in err
    assert "已启动" not in err  # nothing announced that is not running


def test_web_disabled_means_the_console(
    env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    apps: list[App] = []

    async def run(self: App, on_started: object = None) -> None:
        apps.append(self)
        self.db.dispose()

    monkeypatch.setattr(App, "run", run)
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace("enabled = true", "enabled = false")
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    assert cli.main(["run", "--config", str(config)]) == 0
    assert apps[0].channel.name == "console" and apps[0].web is None
    assert "本地控制台通道" in capsys.readouterr().err


def test_a_wildcard_address_is_shown_as_this_machine() -> None:
    settings = load_settings(EXAMPLE_CONFIG, env={})
    for host, shown in (("0.0.0.0", "127.0.0.1"), ("::", "127.0.0.1"), ("::1", "[::1]")):
        web = dataclasses.replace(settings.web, host=host, port=9000)
        assert run_cli.web_base(dataclasses.replace(settings, web=web)) == f"http://{shown}:9000/"


class _StoppingApp:
    """Stands in for App: its stop awaits, as the real one does (sends, the lease)."""

    def __init__(self) -> None:
        self.finished = asyncio.Event()
        self.stopped = False

    def request_stop(self) -> None:
        self.finished.set()

    async def run(self, on_started: Callable[[], None] | None = None) -> None:
        try:
            await self.finished.wait()
        finally:
            await asyncio.sleep(0.05)  # a stop that awaits must not be cancelled half-way
            self.stopped = True


async def test_sigterm_stops_the_app_in_order_and_a_second_one_at_once() -> None:
    before = signal.getsignal(signal.SIGTERM)
    app = _StoppingApp()
    asyncio.get_running_loop().call_later(0.05, os.kill, os.getpid(), signal.SIGTERM)
    try:
        await run_cli.run_until_signalled(app)  # type: ignore[arg-type]
        assert app.stopped  # the stop ran to its end: not a KeyboardInterrupt mid-await
        # After the first signal a second one stops at once, as the default handlers do.
        assert signal.getsignal(signal.SIGTERM) is signal.default_int_handler
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGTERM, before)


def test_a_too_old_sqlite_is_explained_at_start(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.31.1")
    assert cli.main(["run", "--config", str(EXAMPLE_CONFIG)]) == 1
    err = capsys.readouterr().err
    assert "SQLite 是 3.31.1，liufang 需要 3.35.0" in err and "PostgreSQL" in err
    assert "Traceback" not in err and "已启动" not in err


def test_an_sqlite_without_json_is_explained_at_start(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(storage_db, "sqlite_has_json", lambda: False)
    assert cli.main(["run", "--config", str(EXAMPLE_CONFIG)]) == 1
    err = capsys.readouterr().err
    assert "没带 JSON 函数" in err and "PostgreSQL" in err
    assert "Traceback" not in err and "已启动" not in err


def test_this_sqlite_has_json() -> None:
    assert storage_db.sqlite_has_json()
