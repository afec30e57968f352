"""Command line: ``liufang run | chat | check-config | classify | eval | learn``,
``liufang backup | restore | retry-failed`` and ``liufang import-config | export-config``.

Also ``python -m bot``.

Imports are deferred into each command so that ``liufang classify`` starts fast.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

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
    from bot.run_cli import run_bot

    return run_bot(Path(args.config), force_console=args.command == "chat", verbose=args.verbose)


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
