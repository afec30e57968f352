"""Command line: ``liufang run | chat | check-config | classify | eval | learn``,
``liufang backup | restore | retry-failed`` and ``liufang import-config | export-config``.

Also ``python -m bot``.

Imports are deferred into each command so that ``liufang classify`` starts fast.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import Settings

DEFAULT_CONFIG = "config.example.toml"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="liufang", description="社区六方议事机器人 liufang")
    p.add_argument("-v", "--verbose", action="store_true", help="show info logs")
    sub = p.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("run", "start the bot with its web pages (WeChat if a token is set, else the simulator)"),
        ("chat", "start the bot on the console channel (no web); reads a transcript from stdin"),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("--config", default=DEFAULT_CONFIG, help="TOML configuration file")
    check = sub.add_parser("check-config", help="validate a configuration file")
    check.add_argument("file", nargs="?", default=DEFAULT_CONFIG)
    sub.add_parser("hash-password", help="hash a dashboard password for [[web.users]]")
    imp = sub.add_parser(
        "import-config", help="apply the config's members, groups and users to the database"
    )
    imp.add_argument("--config", default=DEFAULT_CONFIG, help="TOML configuration file")
    imp.add_argument("--yes", action="store_true", help="apply without asking")
    imp.add_argument("--dry-run", action="store_true", help="only show the differences")
    exp = sub.add_parser("export-config", help="write the config with the database's directory")
    exp.add_argument("--config", default=DEFAULT_CONFIG, help="TOML configuration file")
    exp.add_argument("--out", default=None, help="the file to write (default: standard output)")
    classify = sub.add_parser("classify", help="classify JSON or text lines from stdin")
    classify.add_argument("--config", default=None, help="use this config's extra lexicons")
    evaluate = sub.add_parser("eval", help="score understanding on a labelled JSONL file")
    evaluate.add_argument("file", help="JSONL lines with text, class and category")
    evaluate.add_argument("--config", default=None, help="use this config's lexicons and model")
    evaluate.add_argument("--all", action="store_true", help="list every misclassified line")
    learn = sub.add_parser("learn", help="retrain the model on shipped data + chat corrections")
    learn.add_argument("--config", default=None, help="the deployment (database, model_file)")
    learn.add_argument("--community", default=None, help="only this community's corrections")
    learn.add_argument("--out", default=None, help="write the model here instead")
    learn.add_argument("--folds", type=int, default=5, help="cross-validation folds (2-10)")
    learn.add_argument("--data", action="append", default=[], help="more labelled JSONL")
    backup = sub.add_parser("backup", help="copy the database to a file (safe while running)")
    backup.add_argument("--config", default=DEFAULT_CONFIG, help="TOML configuration file")
    backup.add_argument("--out", default=None, help="the file to write (default: backups/…)")
    restore = sub.add_parser("restore", help="replace the database with a backup (bot stopped)")
    restore.add_argument("file", help="a file written by liufang backup")
    restore.add_argument("--config", default=DEFAULT_CONFIG, help="TOML configuration file")
    restore.add_argument("--yes", action="store_true", help="really replace the database")
    retry = sub.add_parser("retry-failed", help="handle again the messages whose handling failed")
    retry.add_argument("--config", default=DEFAULT_CONFIG, help="TOML configuration file")
    retry.add_argument("--limit", type=int, default=100, help="at most this many, oldest first")
    return p


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command; returns the exit status."""
    from bot.logs import setup_logging

    args = _parser().parse_args(argv)
    setup_logging(logging.INFO if args.verbose else logging.WARNING)
    if args.command == "check-config":
        return _check_config(Path(args.file))
    if args.command == "hash-password":
        return _hash_password()
    if args.command in ("import-config", "export-config"):
        from bot.directory_cli import run_export, run_import

        if args.command == "export-config":
            return run_export(Path(args.config), Path(args.out) if args.out else None)
        return run_import(Path(args.config), yes=args.yes, dry_run=args.dry_run)
    if args.command == "classify":
        return _classify(args.config)
    if args.command == "eval":
        from bot.evaluate import run_eval

        return run_eval(Path(args.file), args.config, show_all=args.all)
    if args.command == "learn":
        return _learn(args)
    if args.command == "retry-failed":
        from bot.retry_cli import run_retry_failed

        return run_retry_failed(Path(args.config), args.limit)
    if args.command in ("backup", "restore"):
        from bot.backup_cli import run_backup, run_restore

        if args.command == "backup":
            return run_backup(Path(args.config), args.out)
        return run_restore(Path(args.config), Path(args.file), confirmed=args.yes)
    return _run(Path(args.config), force_console=args.command == "chat", verbose=args.verbose)


def _check_config(path: Path) -> int:
    from bot.config import ConfigError, load_settings

    try:
        settings = load_settings(path)
    except ConfigError as exc:
        print(f"配置有 {len(exc.problems)} 处问题 / {len(exc.problems)} problem(s):")
        for line in exc.problems:
            print(f"  - {line}")
        return 1
    groups = sum(len(c.groups) for c in settings.communities)
    members = sum(len(c.members) for c in settings.communities)
    print(
        f"{path}: 配置正确 / OK — {len(settings.communities)} 个社区, {groups} 个群, "
        f"{members} 名成员"
    )
    from bot.directory_cli import stored_differs

    hint = stored_differs(settings)
    if hint:
        print(hint)
    return 0


def _hash_password() -> int:
    import getpass

    from bot.web.passwords import hash_password

    password = getpass.getpass("密码 / password: ") if sys.stdin.isatty() else sys.stdin.readline()
    password = password.rstrip("\n")
    if len(password) < 8:
        print("密码至少 8 位 / at least 8 characters", file=sys.stderr)
        return 1
    print(hash_password(password))
    return 0


def _classify(config: str | None) -> int:
    from bot.classify import run

    settings = None
    if config:
        from bot.config import ConfigError, load_settings

        try:
            settings = load_settings(Path(config))
        except ConfigError as exc:
            print("\n".join(exc.problems), file=sys.stderr)
            return 1
    return run(sys.stdin, sys.stdout, settings=settings)


def _learn(args: argparse.Namespace) -> int:
    from bot.config import ConfigError, load_settings
    from bot.learn import run_learn

    if not 2 <= args.folds <= 10:
        print("--folds 取 2 到 10 / must be 2 to 10", file=sys.stderr)
        return 1
    if not args.config and not args.out:
        print(
            "请写 --config 配置文件（学习本部署的改正）或 --out 模型文件 / "
            "give --config (this deployment) or --out (a model file)",
            file=sys.stderr,
        )
        return 1
    settings = None
    if args.config:
        try:
            settings = load_settings(Path(args.config))
        except ConfigError as exc:
            print("\n".join(exc.problems), file=sys.stderr)
            return 1
    return run_learn(
        settings,
        out=Path(args.out) if args.out else None,
        community=args.community,
        folds=args.folds,
        extra=tuple(Path(p) for p in args.data),
    )


def _run(config: Path, *, force_console: bool, verbose: bool = False) -> int:
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
    from storage.leader import LeaderBusy

    try:
        if settings.uses_wechat and not force_console:
            return _run_wechat(config, settings)
        if force_console or not settings.web.enabled:
            return _run_console(config, settings)
        return _run_simulator(config, settings)
    except LeaderBusy as exc:
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
        asyncio.run(app.run())
    return 0


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

    # SIGTERM stops like Ctrl-C: the app shuts down in order instead of dying mid-send.
    from bot.app import LeadershipLost

    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(app.run(lambda: print(announce, file=sys.stderr, flush=True)))
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
    from bot.app import App, system_clock
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
