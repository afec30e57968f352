"""``liufang run`` and ``liufang chat``: the channel chosen, the bot started, what it prints.

WeChat when a puppet-service token is set, else the web chat simulator (or the console when the
web pages are off, and always for ``chat``); the web server runs next to WeChat and the
simulator until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import Settings


def run_bot(config: Path, *, force_console: bool, verbose: bool = False) -> int:
    """Start the bot with the configuration at ``config``; returns the exit status."""
    from bot.cli_settings import settings_or_report
    from bot.logs import setup_logging

    settings = settings_or_report(config)
    if settings is None:
        return 1
    logs = settings.logging
    setup_logging(
        logging.INFO if verbose else logging.WARNING,
        settings.tz,
        file=logs.file,
        file_level=logging.getLevelName(logs.level.upper()),
        max_bytes=logs.max_mb * 1024 * 1024,
        backups=logs.backups,
    )
    from storage.db import SQLiteTooOld
    from storage.leader import LeaderBusy

    try:
        if settings.uses_wechat and not force_console:
            return _run_wechat(config, settings)
        if force_console or not settings.web.enabled:
            return _run_console(config, settings)
        return _run_simulator(config, settings)
    except (LeaderBusy, SQLiteTooOld) as exc:
        print(str(exc), file=sys.stderr)
        return 1


def _run_console(config: Path, settings: Settings) -> int:
    """Chat in the terminal (``liufang chat``); no web server."""
    from bot.app import App
    from bot.channels.console import USAGE, ConsoleChannel
    from bot.clock import TravelClock

    clock = TravelClock(settings.tz)
    channel = ConsoleChannel(settings, clock)
    app = App(settings, channel, clock=clock)
    channel.enable_time_travel(clock, app.travel_to)
    print(
        f"liufang 已启动：本地控制台通道（未连接微信），配置 {config}，"
        f"数据库 {settings.database_url.split('://')[0]}。\n{USAGE}\n按 Ctrl-D 退出。",
        file=sys.stderr,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_until_signalled(app))
    return 0


async def run_until_signalled(app: App, on_started: Callable[[], None] | None = None) -> None:
    """Run ``app`` until it ends or Ctrl-C / SIGTERM (systemd, docker stop) asks it to stop.

    The first signal asks the app to stop in order (sends under way finished, the leadership
    lease released); it must not be a KeyboardInterrupt thrown into whatever awaits, because
    asyncio.run then cancels every task, the stop itself included, and the lease would be
    left to run out. A second signal stops at once, as the default handlers do.
    """
    import signal

    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)

    def stop() -> None:
        for sig in signals:
            loop.remove_signal_handler(sig)
        signal.signal(signal.SIGTERM, signal.default_int_handler)  # a second one: at once
        app.request_stop()

    for sig in signals:
        loop.add_signal_handler(sig, stop)
    try:
        await app.run(on_started)
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


def web_base(settings: Settings) -> str:
    """The address people open: a wildcard listen address is reached on this machine."""
    host = settings.web.host
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.web.port}/"


def _demo_accounts(config: Path) -> str:
    """The demo log-ins the example config names in a comment (none for a real config)."""
    try:
        text = config.read_text(encoding="utf-8")
    except OSError:
        return ""
    m = re.search(r"^#\s*示范账号 / demo accounts:\s*(.+)$", text, re.MULTILINE)
    return f"示范账号 / demo log-ins: {m[1].strip()}\n" if m else ""


def _serve(app: App, announce: str) -> int:
    """Run ``app`` with its web server until Ctrl-C or SIGTERM (systemd, docker stop);
    ``announce`` is printed once it is up."""
    import signal

    from bot.app import LeadershipLost

    # Until the event loop runs (run_until_signalled), SIGTERM stops like Ctrl-C.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(
                run_until_signalled(app, lambda: print(announce, file=sys.stderr, flush=True))
            )
    except LeadershipLost as exc:
        print(f"已失去主实例身份，停止发送后退出，等待重启为备用实例 / {exc}", file=sys.stderr)
        return exc.exit_status
    except OSError as exc:
        web = app.settings.web
        print(
            f"网页服务无法在 {web.host}:{web.port} 启动（{exc.strerror or exc}）。"
            "请在配置的 [web] 里换一个 port，或关掉占用这个端口的程序。",
            file=sys.stderr,
        )
        return 1
    return 0


def _run_simulator(config: Path, settings: Settings) -> int:
    """No WeChat token: the web chat simulator, next to the dashboard and the Open311 API."""
    from bot.app import App
    from bot.channels.simulator import SimulatorChannel
    from bot.clock import TravelClock

    clock = TravelClock(settings.tz)
    channel = SimulatorChannel(settings, clock)
    app = App(settings, channel, clock=clock, serve_web=True)
    channel.enable_time_travel(clock, app.travel_to)
    base = web_base(settings)
    return _serve(
        app,
        f"liufang 已启动：网页聊天模拟器（未连接微信），配置 {config}，"
        f"数据库 {settings.database_url.split('://')[0]}。\n"
        f"  聊天模拟器 / chat simulator: {base}simulator\n"
        f"  工单看板 / dashboard:        {base}\n"
        f"  Open311 接口 / API:          {base}open311/v2/services.json\n"
        f"{_demo_accounts(config)}"
        "在终端里聊天请用 liufang chat。按 Ctrl-C 退出。",
    )


def _run_wechat(config: Path, settings: Settings) -> int:
    """Run on WeChat through the configured puppet-service gateway until Ctrl-C."""
    from bot.app import App
    from bot.assembly import system_clock
    from bot.channels.wechaty import WechatyChannel

    clock = system_clock(settings)
    try:
        channel = WechatyChannel(settings, clock)  # patches and imports wechaty
    except ImportError as exc:  # WechatyUnavailable too: it names the packages to fix
        print(f"微信通道无法启动 / cannot start WeChat: {exc}", file=sys.stderr)
        return 1
    app = App(settings, channel, clock=clock, serve_web=True)
    gateway = settings.puppet_service_endpoint or "未设置地址，向 wechaty 云端查询 / looked up"
    dashboard = f"工单看板 / dashboard: {web_base(settings)}\n" if app.web is not None else ""
    print(
        f"liufang 已启动：微信通道（网关 {gateway}），配置 {config}，"
        f"数据库 {settings.database_url.split('://')[0]}。\n{dashboard}"
        "正在连接网关；第一次会打印登录二维码的链接，请用机器人的微信号扫码。按 Ctrl-C 退出。",
        file=sys.stderr,
    )
    return _serve(app, "")
